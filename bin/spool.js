#!/usr/bin/env -S node --max-semi-space-size=8
// Node >= 22.18 runs TypeScript by stripping types, so spool ships no build step.
//
// --max-semi-space-size=8: V8 lets the young generation grow to 2 x 32 MB, most of a busy worker's
// memory; 8 MB costs no measurable CPU. src/supervisor/up.ts passes the same flag to what it starts.
//
// The compile cache keeps the stripped and compiled modules on disk (in os.tmpdir(), or
// NODE_COMPILE_CACHE), so later starts skip the TypeScript stripper and the compiler: half the start-up
// time and 25 MB less memory per process. It is an optimization only: it never throws, and
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
import module from 'node:module';

module.enableCompileCache();
await import('../src/cli/main.ts');
