import path from 'node:path';
import {isObject, readJsonFile, readRegularFile} from './read-file.ts';

/** Variables claude takes a key or a token from, in the environment or in settings.json's `env`. */
const KEY_VARIABLES = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'] as const;

/** Variables that send claude to a cloud provider, which brings credentials of its own. */
const PROVIDER_VARIABLES = ['CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'CLAUDE_CODE_USE_FOUNDRY'] as const;

/**
 * Set by `spool up` for the workers it starts: it has named the workers without credentials once for
 * all of them, so each worker logs its own finding at debug level instead of saying it again.
 */
export const CREDENTIALS_REPORTED_ENV = 'SPOOL_CREDENTIALS_REPORTED';

/** Credentials claude would use: what they are, and the auth home's file they lie in (none: the environment). */
export type Credentials = {what: string; file?: 'settings.json' | '.credentials.json' | '.claude.json'};

/**
 * Where claude would find credentials for one auth home (CLAUDE_CONFIG_DIR), or undefined when it would
 * find none and answer "Not logged in": a key or token in the environment spool passes through, in the
 * `env` or `apiKeyHelper` of the auth home's settings.json, or a login (`.credentials.json`, or the
 * Console key claude keeps in `.claude.json`). Files only, never a claude run, so it costs nothing at
 * start; a login kept in the macOS keychain is not seen here.
 */
export function findCredentials(authHome: string, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
	// claude lays settings.json's env over its own environment, so a key there is the one it uses.
	const settings = readJson(path.join(authHome, 'settings.json'));
	const settingsEnv = isObject(settings?.env) ? findInEnv(settings.env) : undefined;
	if (settingsEnv) {
		return {what: settingsEnv, file: 'settings.json'};
	}

	const fromEnv = findInEnv(env);
	if (fromEnv) {
		return {what: fromEnv};
	}

	if (typeof settings?.apiKeyHelper === 'string' && settings.apiKeyHelper.trim() !== '') {
		return {what: 'apiKeyHelper', file: 'settings.json'};
	}

	if (readText(path.join(authHome, '.credentials.json'))?.trim()) {
		return {what: 'a login', file: '.credentials.json'};
	}

	const state = readJson(path.join(authHome, '.claude.json'));
	return typeof state?.primaryApiKey === 'string' && state.primaryApiKey !== '' ? {what: 'a Console login', file: '.claude.json'} : undefined;
}

/** How to give workers (or the planner, `orchestrator`) credentials, each auth home relative to the spool home. */
export function describeCredentialFix(names: readonly string[]): string {
	const logins = names.map(name => `"spool login ${name}"`);
	const files = names.map(name => `auth-homes/${name}/settings.json`);
	return `run ${joinAnd(logins)}, or put {"env":{"ANTHROPIC_API_KEY":"sk-ant-..."}} in ${joinAnd(files)}`;
}

/**
 * What an auth failure means for one auth home: what claude said, then whether it has no credentials or
 * had them refused, and how to give it some. `name` is the worker, or `orchestrator` for the planner.
 */
export function describeAuthFailure(who: string, name: string, authHome: string, said: string): string {
	const found = findCredentials(authHome);
	const where = found?.file ? `auth-homes/${name}/${found.file}` : 'the environment';
	const whose = found ? `the credentials of ${who} (${found.what} in ${where}) were refused` : `${who} has no credentials`;
	return `${said}: ${whose}; ${describeCredentialFix([name])}`;
}

function joinAnd(items: readonly string[]): string {
	return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function findInEnv(env: Record<string, unknown>): string | undefined {
	const isSet = (name: string) => typeof env[name] === 'string' && env[name].trim() !== '';
	return KEY_VARIABLES.find(isSet) ?? PROVIDER_VARIABLES.find(name => isSet(name) && !/^(0|false)$/i.test(String(env[name])));
}

function readJson(file: string): Record<string, unknown> | undefined {
	const value = readJsonFile(file, 1024 * 1024, {followSymlinks: true});
	return isObject(value) ? value : undefined;
}

/** A file claude could not read either (it runs as the same user) holds no credentials for it. */
function readText(file: string): string | undefined {
	try {
		const read = readRegularFile(file, {maxBytes: 1024 * 1024, followSymlinks: true});
		return read.kind === 'file' ? read.text : undefined;
	} catch {
		return undefined;
	}
}
