import {loadConfig} from '../../config/load.ts';
import {formatDuration, parseDuration} from '../../config/duration.ts';
import {DOWN_MARGIN_MS, listRunningLoops, requestDown, waitForLoopsGone} from '../../control/down.ts';
import {readDownRequest, removeDownRequest} from '../../control/down-request.ts';
import {createLayout} from '../../queue/layout.ts';
import {dayOf} from '../../ledger/day.ts';
import {writeAndAnnounce} from '../../report/write.ts';
import type {Config} from '../../config/load.ts';
import type {LoopState} from '../../queue/loops.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

export const downCommand: Command = {
	usage: 'down [--now] [--timeout T]',
	summary: 'ask spool up, or every worker loop and the orchestrator of this home, to drain and exit',
	help: `
Writes control/down.json; every "spool up", "spool worker" and "spool orchestrator" of this home that
started before it (in containers too) sees it within a second, stops taking work, lets running tasks
finish for queue.drainTimeout, hands the rest back to the queue and exits (spool up without restarting
anything). Returns once all of them have stopped, and removes the request. Then it writes the day's
report (reports/DATE.md, as spool report does) and tells it with a report_ready event, unless
report.at in spool.yaml is null. Processes started later
(a container docker restarts, a new spool up) run on.
Options:
  --now        hand running tasks back at once (so does a second "spool down" while one is under way)
  --timeout T  give up after T, e.g. 90s, saying what still runs, and exit 1 (default: queue.drainTimeout + ${DOWN_MARGIN_MS / 1000}s)`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {now: {type: 'boolean'}, timeout: {type: 'string'}});
		if (positionals.length > 0) {
			throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
		}

		const timeoutMs = values.timeout === undefined ? undefined : parseDuration(values.timeout);
		if (timeoutMs === undefined && values.timeout !== undefined) {
			throw new CliUsageError(`--timeout: expected a duration such as "90s" or "5m", got ${JSON.stringify(values.timeout)}`);
		}

		const config = loadConfig();
		const layout = createLayout(config.home);
		const workers = Object.keys(config.workers);
		const {lease, drainTimeout} = config.queue;
		const loops = listRunningLoops(layout, workers, lease);
		if (loops.length === 0) {
			const stale = readDownRequest(layout);
			if (stale) {
				removeDownRequest(layout, stale.requestedAt); // Nothing that runs obeys it any more.
			}

			console.log(`nothing to stop: no worker loop or orchestrator of ${config.home} is running`);
			return 0;
		}

		const {request, escalated} = await requestDown(layout, loops, values.now ?? false);
		const how = request.now ? 'hand their running tasks back now and exit' : `drain and exit (running tasks get up to ${formatDuration(drainTimeout)}, then go back to the queue)`;
		console.log(`${escalated ? 'a spool down is already under way; ' : ''}asked ${describeCount(loops)} to ${how}:`);
		for (const loop of loops) {
			console.log(`  ${describeLoop(loop)}: ${loop.why}`);
		}

		console.log(`waiting for ${loops.length === 1 ? 'it' : 'them'} to stop...`);
		const startedAt = Date.now();
		const running = await waitForLoopsGone(layout, request, loops, {
			workers,
			leaseMs: lease,
			timeoutMs: timeoutMs ?? drainTimeout + DOWN_MARGIN_MS,
			onGone: (loop, why) => console.log(`  ${describeLoop(loop)} is gone: ${why}`),
		});
		const took = `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
		await writeDayReport(config);
		if (running.length === 0) {
			console.log(`every one has stopped (${took})`);
			return 0;
		}

		console.error(`still running after ${took}:`);
		for (const loop of running) {
			console.error(`  ${describeLoop(loop)}: ${loop.why}`);
		}

		console.error(`the request stays in ${layout.downRequest}, and they stop when they can; "spool down" again hands their running tasks back at once`);
		return 1;
	},
};

/** The day's report as the home stops: what ran, and what was handed back. Its failure is said, and does not fail the down. */
async function writeDayReport(config: Config): Promise<void> {
	if (config.report.at === null) {
		return;
	}

	try {
		const written = await writeAndAnnounce(config, {date: dayOf(Date.now(), config.budget.timezone), trigger: 'down'});
		console.log(`the day's report: ${written.files.md}`);
	} catch (error) {
		console.error(`spool down: the day's report could not be written: ${(error as Error).message}`);
	}
}

function describeLoop(loop: LoopState): string {
	return loop.process === 'orchestrator' ? 'orchestrator' : `${loop.process} (loop ${loop.owner})`;
}

function describeCount(loops: readonly LoopState[]): string {
	const workerLoops = loops.filter(loop => loop.process !== 'orchestrator').length;
	const parts = [...(workerLoops > 0 ? [`${workerLoops} worker loop${workerLoops === 1 ? '' : 's'}`] : []), ...(workerLoops < loops.length ? ['the orchestrator'] : [])];
	return parts.join(' and ');
}
