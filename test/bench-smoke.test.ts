import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {expect, test} from 'vitest';
import {ROOT} from './helpers/home.ts';

// The full benchmark is `npm run bench` (minutes, noisy, not a test); this proves it still runs end to end.
test('npm run bench -- --quick measures every part and writes the figures between the markers', async () => {
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-bench-smoke-'));
	try {
		const out = path.join(dir, 'benchmarks.md');
		await fs.writeFile(out, '# Benchmarks\n\nHand-written analysis.\n\n<!-- bench:start -->\nold figures\n<!-- bench:end -->\n\nMore text.\n');
		const run = await execa(process.execPath, [path.join(ROOT, 'scripts', 'bench.ts'), '--quick', '--out', out], {reject: false});
		expect(run.stderr).not.toMatch(/Error/);
		expect(run.exitCode).toBe(0);
		for (const heading of ['### Goals', '### 1. Pickup latency', '### 2-3.', '### 4. Backlog', '### 5. Real claude CLI', '### 6. Finished results']) {
			expect(run.stdout).toContain(heading);
		}

		// The peers (task-spooler, nq, BullMQ with its Redis) are never started by the smoke run.
		expect(run.stdout).not.toContain('### 7. Peers');
		expect(run.stderr).not.toContain('peers');

		const written = await fs.readFile(out, 'utf8');
		expect(written).toMatch(/^# Benchmarks\n\nHand-written analysis\.\n\n<!-- bench:start/);
		expect(written).toContain('spool, native events');
		expect(written).not.toContain('old figures');
		expect(written.trimEnd().endsWith('More text.')).toBe(true);
	} finally {
		await fs.rm(dir, {recursive: true, force: true});
	}
}, 90_000);
