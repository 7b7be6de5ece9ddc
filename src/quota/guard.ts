import type {Closed} from '../worker/claim-gate.ts';
import type {LiveConfig} from '../config/live.ts';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import {AccountResolver, type AccountKey} from './account.ts';
import {withProbe} from './changes.ts';
import {quotaClosed, reserveOf} from './closed.ts';
import {gateOfAccount, PROBE_TTL_MS} from './rules.ts';
import {QuotaRun} from './run.ts';
import {readQuotaRecord, updateQuotaRecord} from './state.ts';

/** A run may start (as the probe, when it goes first after a pause), or must wait: the task goes back uncounted. */
export type Admission = {kind: 'run'; run: QuotaRun} | {kind: 'wait'; reason: string};

/**
 * The subscription account as one worker loop obeys it: a claim check (the account's usage-limit pause,
 * a window at its reserve, another loop's probe), and the admission of each run, which after a pause
 * lets exactly one run of the account go first. The record is read on every check (one small file);
 * the reserve comes from spool.yaml as it is now.
 */
export class QuotaGuard {
	readonly #layout: Layout;
	readonly #live: LiveConfig;
	readonly #worker: string;
	readonly #owner: string;
	readonly #logger: Logger;
	readonly #account: AccountResolver;

	constructor(options: {layout: Layout; live: LiveConfig; worker: string; owner: string; logger: Logger; env?: NodeJS.ProcessEnv}) {
		this.#layout = options.layout;
		this.#live = options.live;
		this.#worker = options.worker;
		this.#owner = options.owner;
		this.#logger = options.logger;
		this.#account = new AccountResolver(options.layout.authHome(options.worker), options.worker, options.env);
	}

	account(): AccountKey {
		return this.#account.current();
	}

	/** Claiming stops while the account is paused, probed by another run, or at its reserve in a window. */
	check(now = Date.now()): Closed | undefined {
		const {key} = this.#account.current();
		return quotaClosed(readQuotaRecord(this.#layout, key), reserveOf(this.#live.current(), this.#worker), now);
	}

	/**
	 * Just before claude starts: whether this run may. With no pause on the account (nearly always) that
	 * is one read; after a pause it is decided under the record's lock, so of all the loops that see the
	 * pause end, one run goes first and the others hand their tasks back.
	 */
	async admit(task: {id: string; runId: string}): Promise<Admission> {
		const account = this.#account.current();
		const run = (probe: boolean) => new QuotaRun({layout: this.#layout, account, worker: this.#worker, runId: task.runId, probe, logger: this.#logger});
		if (gateOfAccount(readQuotaRecord(this.#layout, account.key), Date.now()).kind === 'open') {
			return {kind: 'run', run: run(false)};
		}

		let admission: Admission | undefined;
		try {
			await updateQuotaRecord(this.#layout, account.key, account.source, record => {
				const now = Date.now();
				const gate = gateOfAccount(record, now);
				if (gate.kind === 'probe') {
					admission = {kind: 'run', run: run(true)};
					const probe = {owner: this.#owner, worker: this.#worker, task: task.id, runId: task.runId, takenAt: new Date(now).toISOString(), expiresAt: new Date(now + PROBE_TTL_MS).toISOString()};
					return withProbe(record, probe);
				}

				admission = gate.kind === 'open' ? {kind: 'run', run: run(false)} : {kind: 'wait', reason: quotaClosed(record, reserveOf(this.#live.current(), this.#worker), now)?.reason ?? gate.kind};
				return record;
			});
		} catch (error) {
			// The record cannot be locked or written (control/ read-only): the run goes, as without a pause.
			this.#logger.error({err: error, account: account.key}, 'cannot update the quota record; the run starts without the usage-limit probe');
			return {kind: 'run', run: run(false)};
		}

		if (admission?.kind === 'run' && admission.run.isProbe) {
			this.#logger.info({account: account.key}, `account ${account.key} is past its usage-limit pause: this run goes first, alone, to see whether the API answers`);
		}

		return admission ?? {kind: 'run', run: run(false)};
	}
}
