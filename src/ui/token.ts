import fs from 'node:fs';
import path from 'node:path';
import {randomBytes, timingSafeEqual} from 'node:crypto';
import {SpoolError} from '../errors.ts';
import type {Layout} from '../queue/layout.ts';
import {tempPathFor} from '../queue/atomic-write.ts';

/** A token is 32 random bytes, base64url: 43 characters a person pastes once. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The dashboard's token: read from control/ui-token, or made once (mode 0600 from its creation, linked
 * into place so that two `spool ui` starting together end up with the same one). A file that is no
 * regular file, or holds no token, is refused rather than replaced: someone put it there.
 */
export function readOrCreateToken(layout: Layout): string {
	const existing = readToken(layout.uiTokenFile);
	if (existing !== undefined) {
		return existing;
	}

	fs.mkdirSync(path.dirname(layout.uiTokenFile), {recursive: true});
	const temp = tempPathFor(layout.uiTokenFile);
	const token = randomBytes(32).toString('base64url');
	try {
		const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
		try {
			fs.writeFileSync(fd, `${token}\n`);
			fs.fsyncSync(fd);
		} finally {
			fs.closeSync(fd);
		}

		fs.linkSync(temp, layout.uiTokenFile);
		return token;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
			return readToken(layout.uiTokenFile) ?? refuse(layout.uiTokenFile, 'holds no token');
		}

		throw error;
	} finally {
		fs.rmSync(temp, {force: true});
	}
}

function readToken(file: string): string | undefined {
	let fd: number;
	try {
		fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') {
			return undefined;
		}

		return refuse(file, code === 'ELOOP' ? 'is a symbolic link' : `cannot be read (${code})`);
	}

	try {
		const stat = fs.fstatSync(fd);
		if (!stat.isFile()) {
			return refuse(file, 'is not a regular file');
		}

		// Made 0600; a copy or an editor may have widened it: the token is a password, so it is narrowed back.
		if ((stat.mode & 0o077) !== 0) {
			fs.fchmodSync(fd, 0o600);
		}

		const token = fs.readFileSync(fd, 'utf8').trim();
		return TOKEN_PATTERN.test(token) ? token : refuse(file, 'holds no token (43 letters, digits, "-" and "_")');
	} finally {
		fs.closeSync(fd);
	}
}

function refuse(file: string, why: string): never {
	throw new SpoolError('ui_token_unusable', `${file} ${why}; remove it and start spool ui again to make a new token`);
}

/** True when `given` is the token; compared in constant time, so the answer's timing tells nothing of it. */
export function tokenMatches(given: string | undefined, token: string): boolean {
	if (given === undefined) {
		return false;
	}

	const a = Buffer.from(given);
	const b = Buffer.from(token);
	return a.length === b.length && timingSafeEqual(a, b);
}
