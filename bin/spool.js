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

// An older Node fails below with an error that does not say why ("enableCompileCache is not a function").
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18) || (major === 23 && minor < 6)) {
	console.error(`spool needs Node.js >= 22.18, which runs TypeScript without a build step; this is Node ${process.version}`);
	process.exit(1);
}

module.enableCompileCache();
await import('../src/cli/main.ts');
