import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {isObject, readJsonFile} from '../queue/read-file.ts';
import {fileStamp} from '../queue/file-stamp.ts';

/**
 * Which subscription account an auth home uses: the key of control/quota/KEY.json. Workers with the
 * same key share its windows and its usage-limit pause.
 * - `account`: the account id claude keeps after a login (`oauthAccount.accountUuid` in .claude.json);
 * - `token`: a token or key in the environment claude sees (settings.json's `env` over spool's own),
 *   as a short hash, never the secret itself: one token is one account;
 * - `worker`: neither: the worker stands alone.
 */
export type AccountKey = {key: string; source: 'account' | 'token' | 'worker'};

/** What an auth home says about its account, as read from its files and the environment. */
export type AccountClues = {accountUuid: string | undefined; credential: string | undefined; worker: string};

/** The variables claude takes a subscription token or a key from, the OAuth token first. */
const CREDENTIAL_VARIABLES = ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_API_KEY'] as const;

/** An account id is a UUID; anything else is hashed before it names a file. */
const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;

/** claude's .claude.json also holds every project's history: it may be large, and is read only when it changed. */
const MAX_STATE_BYTES = 32 * 1024 * 1024;

/** The pure rule: the account id first, then the credential, then the worker itself. */
export function chooseAccountKey(clues: AccountClues): AccountKey {
	if (clues.accountUuid) {
		return {key: `account-${SAFE_ID.test(clues.accountUuid) ? clues.accountUuid : shortHash(clues.accountUuid)}`, source: 'account'};
	}

	if (clues.credential) {
		return {key: `token-${shortHash(clues.credential)}`, source: 'token'};
	}

	return {key: `worker-${clues.worker}`, source: 'worker'};
}

/**
 * The account key of one auth home, read again only when .claude.json or settings.json changed (the
 * CLI rewrites .claude.json at each run, so a login is seen at the next claim).
 */
export class AccountResolver {
	readonly #authHome: string;
	readonly #worker: string;
	readonly #env: NodeJS.ProcessEnv;
	#stamp = '';
	#key: AccountKey | undefined;

	constructor(authHome: string, worker: string, env: NodeJS.ProcessEnv = process.env) {
		this.#authHome = authHome;
		this.#worker = worker;
		this.#env = env;
	}

	current(): AccountKey {
		const stamp = ['.claude.json', 'settings.json'].map(name => fileStamp(path.join(this.#authHome, name))).join(' ');
		if (!this.#key || stamp !== this.#stamp) {
			const stateFile = path.join(this.#authHome, '.claude.json');
			if (this.#key && fs.existsSync(stateFile) && readObject(stateFile) === undefined) {
				// Caught mid-rewrite (or broken): the account it named stays, and the file is read again next time.
				return this.#key;
			}

			this.#key = chooseAccountKey(readAccountClues(this.#authHome, this.#worker, this.#env));
			this.#stamp = stamp;
		}

		return this.#key;
	}
}

export function readAccountClues(authHome: string, worker: string, env: NodeJS.ProcessEnv = process.env): AccountClues {
	const state = readObject(path.join(authHome, '.claude.json'));
	const account = isObject(state?.oauthAccount) ? state.oauthAccount.accountUuid : undefined;
	const settings = readObject(path.join(authHome, 'settings.json'));
	// claude lays settings.json's env over its own environment, so a token there is the one it uses.
	const credential = (isObject(settings?.env) ? findCredential(settings.env) : undefined) ?? findCredential(env);
	return {accountUuid: typeof account === 'string' && account !== '' ? account : undefined, credential, worker};
}

function findCredential(env: Record<string, unknown>): string | undefined {
	for (const name of CREDENTIAL_VARIABLES) {
		const value = env[name];
		if (typeof value === 'string' && value.trim() !== '') {
			return value.trim();
		}
	}

	return undefined;
}

function shortHash(text: string): string {
	return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function readObject(file: string): Record<string, unknown> | undefined {
	const value = readJsonFile(file, MAX_STATE_BYTES, {followSymlinks: true});
	return isObject(value) ? value : undefined;
}
