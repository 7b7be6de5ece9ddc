import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/*
 * The real claude CLI starts each session's Bash tool by running the user's shell start-up files. On
 * this machine those run `pyenv init`, whose rehash holds ~/.pyenv/shims/.pyenv-shim for a moment. A test
 * that SIGKILLs every process of its home (to leave nothing claiming behind it) can land in that moment
 * and leave the lock behind; every later Bash tool call of every test, in every test file running beside
 * it, then waits on it (a Bash call of a trivial command was seen hanging 40 s). A rehash takes well
 * under a second, so a lock older than 5 s belongs to no live rehash: it goes before each test file and,
 * while the file runs, at every look (each 2 s).
 */
const LOCK = path.join(os.homedir(), '.pyenv', 'shims', '.pyenv-shim');
const STALE_MS = 5000;

function clearStaleLock(): void {
	const stat = fs.statSync(LOCK, {throwIfNoEntry: false});
	if (stat && Date.now() - stat.mtimeMs > STALE_MS) {
		fs.rmSync(LOCK, {force: true, recursive: true});
	}
}

clearStaleLock();
setInterval(clearStaleLock, 2000).unref();
