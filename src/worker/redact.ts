import fs from 'node:fs';
import path from 'node:path';
import {CREDENTIAL_FILES} from '../queue/layout.ts';

const SECRET_NAME = /API_KEY|AUTH_TOKEN|OAUTH_TOKEN|SECRET|PASSWORD|_TOKEN$/i;
const MIN_SECRET_LENGTH = 8;

/**
 * The secrets a run could leak into its transcript or result: credential-like variables of the
 * environment, and every string in the auth home's settings.json `env` and .credentials.json.
 */
export function collectSecrets(env: Record<string, string>, authHome: string): string[] {
	const secrets = Object.entries(env)
		.filter(([name]) => SECRET_NAME.test(name))
		.map(([, value]) => value);
	for (const name of CREDENTIAL_FILES) {
		// Run once per task, when an API key in the environment often leaves both files absent: existsSync
		// says so without building an Error.
		const file = path.join(authHome, name);
		if (!fs.existsSync(file)) {
			continue;
		}

		let text: string;
		try {
			text = fs.readFileSync(file, 'utf8');
		} catch {
			continue;
		}

		try {
			const json = JSON.parse(text) as {env?: unknown};
			secrets.push(...stringLeaves(name === 'settings.json' ? json.env : json));
		} catch {
			// Not JSON: nothing to pick out; the CLI will say what is wrong with it.
		}
	}

	return [...new Set(secrets.filter(secret => secret.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

/** A function that replaces every occurrence of each secret with "[redacted]". */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
	if (secrets.length === 0) {
		return text => text;
	}

	return text => {
		let out = text;
		for (const secret of secrets) {
			if (out.includes(secret)) {
				out = out.replaceAll(secret, '[redacted]');
			}
		}

		return out;
	};
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
