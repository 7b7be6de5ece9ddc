import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/*
 * The real claude CLI starts each session's Bash tool by running the user's shell start-up files. On
 * this machine those run `pyenv init`, whose rehash holds ~/.pyenv/shims/.pyenv-shim for a moment. A test
 * that SIGKILLs every process of its home (to leave nothing claiming behind it) can land in that moment
 * and leave the lock behind; every later Bash tool call of every test then waits on it. A rehash takes
 * well under a second, so a lock older than 30 s belongs to no live rehash: it goes before each test file.
 */
const LOCK = path.join(os.homedir(), '.pyenv', 'shims', '.pyenv-shim');
const stat = fs.statSync(LOCK, {throwIfNoEntry: false});
if (stat && Date.now() - stat.mtimeMs > 30_000) {
	fs.rmSync(LOCK, {force: true});
}
