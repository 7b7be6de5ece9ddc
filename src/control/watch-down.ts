import fs from 'node:fs';
import type {Layout} from '../queue/layout.ts';
import {processStartedAt} from '../queue/owner-file.ts';
import {concerns, readDownRequest, type DownRequest} from './down-request.ts';

/**
 * Calls `onRequest` when control/down.json holds a request that concerns this process (it started
 * before the request), and again when the request turns into `now`. A 1 s unref'd timer; a tick is one
 * stat, and the file is read only when it changed. Returns a function that stops watching.
 */
export function watchDownRequest(layout: Layout, onRequest: (request: DownRequest) => void, intervalMs = 1000): () => void {
	const startedAt = processStartedAt();
	let seen = '';
	let obeyed: 'none' | 'drain' | 'now' = 'none';
	const check = () => {
		const stat = fs.statSync(layout.downRequest, {throwIfNoEntry: false});
		const version = stat ? `${stat.ino}:${stat.mtimeMs}:${stat.size}` : '';
		if (version === seen) {
			return;
		}

		seen = version;
		const request = stat ? readDownRequest(layout) : undefined;
		if (!request || !concerns(request, startedAt) || obeyed === 'now' || (obeyed === 'drain' && !request.now)) {
			return;
		}

		obeyed = request.now ? 'now' : 'drain';
		onRequest(request);
	};

	const timer = setInterval(check, intervalMs);
	timer.unref();
	check();
	return () => clearInterval(timer);
}
