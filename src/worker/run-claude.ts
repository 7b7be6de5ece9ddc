import {MAX_ARGUMENT_BYTES} from './claude-args.ts';
import {MAX_LINE_BYTES} from './line-splitter.ts';
import {killProcess, killProcessGroup} from './process-group.ts';
import {readOutput, type OnEvent, type OutputSummary} from './read-output.ts';
import {openTranscript} from './transcript-file.ts';
import {spawnRun} from './spawner.ts';

export type ClaudeRun = {
	bin: string;
	args: string[];
	/** Sent on stdin, then stdin is closed: a prompt may start with "-", so it is never an argument. */
	prompt: string;
	cwd: string;
	env: Record<string, string>;
	timeoutMs: number;
	/** Every stream-json line is appended here as it arrives, so `tail -f` shows progress. */
	transcriptFile: string;
	/** A line of spool's own written first (the attempt's start), while the process starts. */
	transcriptHead?: string;
	/** Aborting it stops the run (shutdown, lost lease). */
	signal?: AbortSignal;
	/** Grace between SIGTERM and SIGKILL of the process group. @default 5000 */
	forceKillAfterMs?: number;
	/** After SIGINT (a cancel), the wait before the group is stopped as on any abort. @default 3000 */
	interruptGraceMs?: number;
	/** Called once the process is spawned. */
	onSpawn?: (pid: number | undefined) => void;
	/** Applied to every line before it is written or read: takes secrets out. */
	redact?: (line: string) => string;
	/** Each stream-json event as it arrives. */
	onEvent?: OnEvent;
};

/** What the CLI process did, as plain data, with what its stdout said (`final` is its result line). */
export type ClaudeExit = OutputSummary & {
	exitCode: number | null;
	signal: string | null;
	/** Why the process could not be started at all (no such binary, no such cwd), else null. */
	spawnError: string | null;
	/** The errno code of that failure (ENOENT, E2BIG...), when it has one. */
	spawnErrorCode: string | null;
	timedOut: boolean;
	canceled: boolean;
	stderrTail: string;
	durationMs: number;
	/** Why the transcript could not be written (a full disk), else null: logged, never the run's error. */
	transcriptError: string | null;
};

const STDERR_TAIL = 4096;

/** Between SIGTERM and SIGKILL of the process group. */
export const FORCE_KILL_AFTER_MS = 5000;

/** After the SIGINT of a cancel: claude stops its tools and writes its result line well within this. */
export const INTERRUPT_GRACE_MS = 3000;

/**
 * Runs `claude -p` in its own process group, streams its transcript to disk and reads its final result.
 * On timeout or abort the whole group (claude and every tool process it started) is killed.
 *
 * This is the one spawn per task, so it goes through spawner.ts (a small helper process forks it, not
 * the worker) and node:child_process rather than execa: the output is streamed line by line, not
 * buffered, and the group is killed by hand.
 */
export async function runClaude(run: ClaudeRun): Promise<ClaudeExit> {
	const started = performance.now();
	// Asked first: the helper forks while this process makes the transcript file (its creation took
	// about a millisecond on this machine's disk, all of it before claude could start).
	const spawning = spawnRun({bin: run.bin, args: run.args, cwd: run.cwd, env: run.env, prompt: run.prompt});
	const transcript = openTranscript(run.transcriptFile);
	if (run.transcriptHead !== undefined) {
		transcript.write(run.transcriptHead);
	}

	const spawned = await spawning;
	if (!spawned.ok) {
		// No such binary or cwd, E2BIG (arguments and environment over the system's limit).
		transcript.close();
		return notStarted(run, spawned.error, started);
	}

	const {child} = spawned;
	run.onSpawn?.(child.pid);
	let timedOut = false;
	let canceled = false;
	const stopTimers: NodeJS.Timeout[] = [];
	const stop = (reason: 'timeout' | 'cancel') => {
		if (timedOut || canceled) {
			return;
		}

		timedOut = reason === 'timeout';
		canceled = reason === 'cancel';
		killProcessGroup(child.pid, 'SIGTERM');
		stopTimers.push(setTimeout(() => killProcessGroup(child.pid, 'SIGKILL'), run.forceKillAfterMs ?? FORCE_KILL_AFTER_MS).unref());
	};

	const timer = setTimeout(() => stop('timeout'), run.timeoutMs);
	const onAbort = () => {
		if (run.signal?.reason === 'cancel') {
			// `spool cancel`: claude stops at SIGINT and still writes its result line, with the cost so far.
			killProcess(child.pid, 'SIGINT');
			stopTimers.push(setTimeout(() => stop('cancel'), run.interruptGraceMs ?? INTERRUPT_GRACE_MS).unref());
		} else {
			stop('cancel');
		}
	};
	run.signal?.addEventListener('abort', onAbort, {once: true});
	if (run.signal?.aborted) {
		onAbort();
	}

	void child.exited.then(() => {
		canceled ||= run.signal?.aborted === true; // Ended by the SIGINT of a cancel, before the group was stopped.
		// Tool processes claude started may outlive it and hold its stdout open; nothing of a run survives it.
		killProcessGroup(child.pid, 'SIGKILL');
	});
	// Once the group is gone its id can be reused: no later timer may signal it.
	const clearStopTimers = () => stopTimers.forEach(timer => clearTimeout(timer));
	let stderrTail = '';
	child.stderr.on('data', (chunk: Buffer) => {
		stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL);
	});

	const output = await readOutput(child.stdout, transcript, run.redact, run.onEvent);
	const [exitCode, signal] = await child.closed;
	clearTimeout(timer);
	clearStopTimers();
	run.signal?.removeEventListener('abort', onAbort);
	// A transcript that could not be written (a full disk) is for people to follow; it must not cost the run.
	const transcriptError = transcript.close();
	const {final} = output;
	return {
		...output,
		transcriptError: transcriptError ? transcriptError.message : null,
		sessionId: (typeof final?.session_id === 'string' ? final.session_id : null) ?? output.sessionId,
		exitCode,
		signal,
		spawnError: null,
		spawnErrorCode: null,
		timedOut,
		canceled,
		stderrTail: stderrTail.trim(),
		durationMs: Math.round(performance.now() - started),
	};
}

/** The exit of a process that never started; an E2BIG names the sizes, which the bare error does not. */
function notStarted(run: ClaudeRun, error: NodeJS.ErrnoException, started: number): ClaudeExit {
	let message = error.message;
	if (error.code === 'E2BIG') {
		const sizes = run.args.map(arg => Buffer.byteLength(arg));
		const largest = sizes.indexOf(Math.max(...sizes));
		const name = run.args[largest - 1]?.startsWith('--') ? run.args[largest - 1] : `argument ${largest + 1}`;
		const total = [run.bin, ...run.args, ...Object.entries(run.env).map(([key, value]) => `${key}=${value}`)].reduce((sum, text) => sum + Buffer.byteLength(text) + 1, 0);
		message += `: the arguments and environment take ${total} bytes, the largest argument (${name}) ${sizes[largest]} bytes; Linux allows ${MAX_ARGUMENT_BYTES} bytes for one argument and about a quarter of the stack limit (ulimit -s) for all`;
	}

	return {
		final: undefined,
		sessionId: null,
		model: null,
		exitCode: null,
		signal: null,
		spawnError: message,
		spawnErrorCode: error.code ?? null,
		timedOut: false,
		canceled: false,
		stderrTail: '',
		durationMs: Math.round(performance.now() - started),
		badLines: 0,
		longLines: {count: 0, limit: MAX_LINE_BYTES, lastBytes: null},
		transcriptError: null,
		rateLimitResetsAt: null,
		rateLimit: null,
		rateLimitRetryMs: null,
		apiKeySource: null,
		streamTokens: null,
		lastText: null,
	};
}
