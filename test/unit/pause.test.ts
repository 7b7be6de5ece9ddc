import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, expect, test} from 'vitest';
import {checkPause, fingerprintAuthHome, pauseFile, readPause, whyPauseEnds, writePause} from '../../src/queue/pause.ts';

let home: string;
let authHome: string;
const NOW = Date.parse('2026-12-01T12:00:00Z');

beforeEach(async () => {
	home = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-pause-'));
	authHome = path.join(home, 'auth-homes', 'coder');
	await fs.mkdir(authHome, {recursive: true});
	await fs.writeFile(path.join(authHome, 'settings.json'), '{"env": {"ANTHROPIC_API_KEY": "sk-old"}}');
});

afterEach(async () => {
	await fs.rm(home, {recursive: true, force: true});
});

test.each([
	{name: 'a rate limit whose reset lies ahead holds', pause: {reason: 'rate-limit', until: new Date(NOW + 60_000).toISOString()}, change: false, holds: true},
	{name: 'a rate limit whose reset has come ends, and its file goes', pause: {reason: 'rate-limit', until: new Date(NOW).toISOString()}, change: false, holds: false},
	{name: 'a rate limit with an unreadable time ends', pause: {reason: 'rate-limit', until: 'soon'}, change: false, holds: false},
	{name: 'an auth pause holds while the credentials are as they were', pause: {reason: 'auth'}, change: false, holds: true},
	{name: 'an auth pause ends once the credentials change', pause: {reason: 'auth'}, change: true, holds: false},
] as const)('$name', async ({pause, change, holds}) => {
	await writePause(home, 'coder', {message: 'why', since: new Date(NOW).toISOString(), ...pause, ...(pause.reason === 'auth' ? {fingerprint: fingerprintAuthHome(authHome)} : {})});
	if (change) {
		await fs.writeFile(path.join(authHome, 'settings.json'), '{"env": {"ANTHROPIC_API_KEY": "sk-new-and-longer"}}');
	}

	expect(checkPause(home, 'coder', authHome, NOW) !== undefined).toBe(holds);
	expect(await fs.stat(pauseFile(home, 'coder')).then(() => true, () => false)).toBe(holds);
});

test('a pause file is a versioned record; one written before the version field, or not spool\'s, reads as such', async () => {
	await fs.mkdir(path.join(home, 'paused'));
	await fs.writeFile(pauseFile(home, 'coder'), JSON.stringify({reason: 'auth', message: 'old', since: '2026-11-01T00:00:00Z', fingerprint: 'x'}));
	expect(readPause(home, 'coder')).toMatchObject({version: 1, reason: 'auth', message: 'old'});
	await fs.writeFile(pauseFile(home, 'coder'), '{"reason": "coffee"}');
	expect(readPause(home, 'coder')).toBeUndefined();
	await fs.rm(pauseFile(home, 'coder'));
	const {execa} = await import('execa');
	await execa('mkfifo', [pauseFile(home, 'coder')]);
	expect(readPause(home, 'coder')).toBeUndefined();
});

test('each end of a pause says why, for the log line that the pause was lifted', async () => {
	const since = new Date(NOW).toISOString();
	const auth = {version: 1, reason: 'auth', message: 'why', since, fingerprint: fingerprintAuthHome(authHome)} as const;
	expect(whyPauseEnds(auth, authHome, NOW)).toBeUndefined();
	await fs.writeFile(path.join(authHome, 'settings.json'), '{"env": {"ANTHROPIC_API_KEY": "sk-new-and-longer"}}');
	expect(whyPauseEnds(auth, authHome, NOW)).toBe('the credentials in its auth home changed (settings.json or .credentials.json)');
	const until = new Date(NOW + 1000).toISOString();
	expect(whyPauseEnds({version: 1, reason: 'rate-limit', message: 'why', since, until}, authHome, NOW)).toBeUndefined();
	expect(whyPauseEnds({version: 1, reason: 'rate-limit', message: 'why', since, until}, authHome, NOW + 1000)).toBe(`the rate limit reset at ${until}`);
	expect(whyPauseEnds({version: 1, reason: 'rate-limit', message: 'why', since, until: 'soon'}, authHome, NOW)).toBe('its end time "soon" cannot be read');
});
