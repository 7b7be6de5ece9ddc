import fs from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import type {Config} from '../config/load.ts';
import {SpoolError} from '../errors.ts';
import type {Logger} from '../log/logger.ts';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import {planChanges} from './change-plan.ts';
import {CostSeriesReader} from './cost-series.ts';
import {EventHub} from './event-hub.ts';
import {HomeWatcher, type FolderChange, type HomeWatcherOptions} from './home-watcher.ts';
import {createHandler} from './routes.ts';
import {TaskIndex} from './task-index.ts';
import {readOrCreateToken} from './token.ts';

export type UiServerOptions = {
	host: string;
	/** 0: any free port. */
	port: number;
	logger?: Logger;
	watch?: Partial<HomeWatcherOptions>;
};

/** More task ids than this in one change: the pages are told "many" (null) and read what they show again. */
const MAX_KEYS_TOLD = 200;

/**
 * `spool ui`: the index of the home's tasks, one watcher feeding it and every open page's event
 * stream, and the HTTP server of the API and the page. `start()` resolves once it listens;
 * `close()` is safe to call twice.
 */
export class UiServer {
	readonly #config: Config;
	readonly #options: UiServerOptions;
	readonly #index: TaskIndex;
	readonly #hub = new EventHub();
	readonly #watcher: HomeWatcher;
	readonly #token: string;
	#server: http.Server | undefined;
	#url: string | undefined;
	#closing: Promise<void> | undefined;

	constructor(config: Config, options: UiServerOptions) {
		this.#config = config;
		this.#options = options;
		this.#index = new TaskIndex(config);
		this.#token = readOrCreateToken(this.#index.layout);
		const workers = Object.keys(config.workers);
		this.#watcher = new HomeWatcher(this.#index.layout, workers, (changes, rescan) => this.#apply(changes, rescan), {usePolling: config.queue.usePolling, ...options.watch}, error => options.logger?.warn({err: error}, 'the dashboard lost a watch of the home; its 30 s rescan covers it'));
	}

	get token(): string {
		return this.#token;
	}

	get index(): TaskIndex {
		return this.#index;
	}

	/** http://HOST:PORT/ once it listens. */
	get url(): string {
		if (this.#url === undefined) {
			throw new Error('the dashboard is not listening yet');
		}

		return this.#url;
	}

	async start(): Promise<string> {
		const {host, port} = this.#options;
		const server = http.createServer(createHandler({config: this.#config, index: this.#index, hub: this.#hub, costs: new CostSeriesReader(this.#index.layout, this.#config), token: this.#token, host}));
		this.#server = server;
		await new Promise<void>((resolve, reject) => {
			server.once('error', error => reject(describeListenError(error as NodeJS.ErrnoException, host, port)));
			server.listen(port, host, () => resolve());
		});
		const address = server.address() as AddressInfo;
		const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
		this.#url = `http://${shownHost}:${address.port}/`;
		this.#watcher.start();
		void this.#index.warm();
		await writeJsonAtomic(this.#index.layout.uiFile, {version: 1, url: this.#url, host: address.address, port: address.port, pid: process.pid, startedAt: new Date().toISOString()});
		return this.#url;
	}

	close(): Promise<void> {
		this.#closing ??= (async () => {
			this.#index.close();
			this.#hub.close();
			await this.#watcher.close();
			await new Promise<void>(resolve => {
				if (!this.#server?.listening) {
					resolve();
					return;
				}

				this.#server.close(() => resolve());
				this.#server.closeAllConnections();
			});
			this.#removeAddressFile();
		})();
		return this.#closing;
	}

	/** A burst of changes on disk: the index follows, then every page is told what moved. */
	#apply(changes: FolderChange[], rescan: boolean): void {
		const plan = planChanges(this.#index.layout, this.#index.workers, changes, rescan);
		const tasks = new Set<string>(plan.touched);
		for (const worker of plan.live) {
			for (const id of this.#index.rescanLive(worker)) {
				tasks.add(`${worker}/${id}`);
			}
		}

		for (const {worker, id} of plan.results) {
			if (this.#index.updateFinished(worker, id)) {
				tasks.add(`${worker}/${id}`);
			}
		}

		for (const worker of plan.reconcile) {
			for (const id of this.#index.reconcileFinished(worker)) {
				tasks.add(`${worker}/${id}`);
			}
		}

		if (tasks.size > 0 || plan.transcripts.size > 0 || plan.overview || plan.workflows || plan.reports) {
			const {ledger, workflows, reports} = plan;
			this.#hub.send('change', {tasks: tasks.size > MAX_KEYS_TOLD ? null : [...tasks], transcripts: [...plan.transcripts], overview: plan.overview || tasks.size > 0, ledger, workflows, reports});
		}
	}

	/** control/ui.json says where a running dashboard listens; only this one's own is removed. */
	#removeAddressFile(): void {
		try {
			const recorded = JSON.parse(fs.readFileSync(this.#index.layout.uiFile, 'utf8')) as {pid?: number};
			if (recorded.pid === process.pid) {
				fs.rmSync(this.#index.layout.uiFile, {force: true});
			}
		} catch {
			// Gone, or another's: nothing to remove.
		}
	}
}

function describeListenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
	if (error.code === 'EADDRINUSE') {
		return new SpoolError('ui_port_in_use', `port ${port} on ${host} is taken (another spool ui, or another program): give --port, or ui.port in spool.yaml`, {cause: error});
	}

	if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
		return new SpoolError('ui_host_unavailable', `cannot listen on ${host}: no interface of this machine has that address (ui.host in spool.yaml, or --host)`, {cause: error});
	}

	if (error.code === 'EACCES') {
		return new SpoolError('ui_port_refused', `may not listen on port ${port} (ports below 1024 need root): choose another with --port`, {cause: error});
	}

	return error;
}
