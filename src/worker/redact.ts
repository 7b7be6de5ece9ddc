import fs from 'node:fs';
import path from 'node:path';
import {CREDENTIAL_FILES} from '../queue/layout.ts';
import {readRegularFile} from '../queue/read-file.ts';

export const SECRET_NAME = /API_KEY|AUTH_TOKEN|OAUTH_TOKEN|SECRET|PASSWORD|_TOKEN$/i;
const MIN_SECRET_LENGTH = 8;

/**
 * The secrets a run could leak into its transcript or result: credential-like variables of the
 * environment, and every string in the settings.json `env` and .credentials.json of every auth home
 * (auth-homes/*), not only this worker's: a task of worker A must not carry worker B's key out in A's
 * transcript (a tool can read B's auth home unless the sandbox forbids it). Read once per task.
 */
export function collectSecrets(env: Record<string, string>, authHomesRoot: string): string[] {
	const secrets = Object.entries(env)
		.filter(([name]) => SECRET_NAME.test(name))
		.map(([, value]) => value);
	for (const authHome of listAuthHomes(authHomesRoot)) {
		secrets.push(...readCredentials(authHome));
	}

	return [...new Set(secrets.filter(secret => secret.length >= MIN_SECRET_LENGTH))];
}

/**
 * A function that replaces every occurrence of each secret with "[redacted]", in each form it can take
 * in a stream-json line (see encodedForms). For the usual key ([A-Za-z0-9_-]) that is one form, so a
 * line costs one `includes` per secret.
 */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
	const forms = [...new Set(secrets.flatMap(secret => encodedForms(secret)))].sort((a, b) => b.length - a.length);
	if (forms.length === 0) {
		return text => text;
	}

	return text => {
		let out = text;
		for (const form of forms) {
			if (out.includes(form)) {
				out = out.replaceAll(form, '[redacted]');
			}
		}

		return out;
	};
}

/**
 * The forms a secret takes in a stream-json line, which the CLI writes with JSON.stringify: raw (a line
 * that is not JSON, stderr, a characterless key), escaped once (the secret inside any string of the
 * line), and escaped twice (JSON text that held it, such as a printed settings.json, inside a string).
 * Other encoders than JavaScript's write "/" as "\/" (PHP) or characters as "\u00XX" (Python's
 * ensure_ascii, Go's <>&), so a tool's output may hold those too, once escaped again in the line.
 */
export function encodedForms(secret: string): string[] {
	const once = escapeJson(secret);
	const foreign = [once.replaceAll('/', '\\/'), once.replace(/[^\x20-\x7e]|[<>&']/g, char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)];
	const forms = [secret, once, escapeJson(once), ...foreign.flatMap(form => [form, escapeJson(form)])];
	return [...new Set(forms)];
}

function escapeJson(text: string): string {
	return JSON.stringify(text).slice(1, -1);
}

/** The folders of auth-homes/; none when it does not exist yet. */
function listAuthHomes(root: string): string[] {
	if (!fs.existsSync(root)) {
		return [];
	}

	return fs.readdirSync(root).map(name => path.join(root, name));
}

function readCredentials(authHome: string): string[] {
	const secrets: string[] = [];
	for (const name of CREDENTIAL_FILES) {
		// An API key in the environment often leaves both files absent: existsSync says so without building an Error.
		const file = path.join(authHome, name);
		if (!fs.existsSync(file)) {
			continue;
		}

		let text: string;
		try {
			// A link is the user's choice; a FIFO a task's Bash left there must not block the loop.
			const read = readRegularFile(file, {followSymlinks: true, maxBytes: 1024 * 1024});
			if (read.kind !== 'file') {
				continue;
			}

			text = read.text;
		} catch {
			continue; // Not readable by this worker: it cannot leak what it cannot read.
		}

		try {
			const json = JSON.parse(text) as {env?: unknown};
			secrets.push(...stringLeaves(name === 'settings.json' ? json.env : json));
		} catch {
			// Not JSON: nothing to pick out; the CLI will say what is wrong with it.
		}
	}

	return secrets;
}

function stringLeaves(value: unknown): string[] {
	if (typeof value === 'string') {
		return [value];
	}

	if (value && typeof value === 'object') {
		return Object.values(value).flatMap(item => stringLeaves(item));
	}

	return [];
}
