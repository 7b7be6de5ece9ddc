import {watchDownRequest} from '../control/watch-down.ts';
import {watchParent} from '../control/watch-parent.ts';
import type {Layout} from '../queue/layout.ts';
import {ignoreOutputErrors, onShutdownSignals} from './signals.ts';

export type StopHandlers = {
	/** Stop taking work, let running work finish for queue.drainTimeout, then exit. Called once. */
	graceful: (why: string) => void;
	/** Hand running work back now. Called once, after `graceful`. */
	immediate: (why: string) => void;
};

/**
 * Every way a long-running spool process (up, worker, orchestrator) is asked to stop, folded into one
 * drain and one "now": SIGTERM, SIGINT or SIGHUP (a second signal is "now"), `spool down` through
 * the home's control/down.json (`--now`, or a second `down`, is "now"), and, for a child of `spool up`,
 * its parent gone (a drain). `watchDown: false` leaves `spool down` to the parent. Such a process outlives its terminal, so write errors on stdout and stderr
 * are ignored from here on. Returns a function that stops listening.
 */
export function onStopRequests(layout: Layout, handlers: StopHandlers, options: {watchDown?: boolean} = {}): () => void {
	ignoreOutputErrors();
	let draining = false;
	let now = false;
	const drain = (why: string) => {
		if (!draining) {
			draining = true;
			handlers.graceful(why);
		}
	};

	const stopNow = (why: string) => {
		drain(why);
		if (!now) {
			now = true;
			handlers.immediate(why);
		}
	};

	const stops = [
		onShutdownSignals(signal => drain(signal), signal => stopNow(`a second signal (${signal})`)),
		watchParent(pid => drain(`spool up is gone (its pid ${pid} is no longer this process's parent)`)),
		...(options.watchDown === false ? [] : [watchDownRequest(layout, request => (request.now ? stopNow('spool down --now') : drain('spool down')))]),
	];
	return () => {
		for (const stop of stops) {
			stop();
		}
	};
}
