import {z} from 'zod';

/**
 * The sender's clock: its back-off, how long it tries, how long it waits on one request, how often it
 * scans and long-polls, how long it keeps what it sent. Not in spool.yaml: the defaults are meant to
 * hold everywhere; SPOOL_NOTIFY_TUNING (JSON, any subset) exists so tests run on milliseconds.
 */
const tuningSchema = z.strictObject({
	/** Before the second attempt of a delivery; doubles per attempt, with jitter. */
	backoffMs: z.number().int().min(1).default(5000),
	backoffMaxMs: z.number().int().min(1).default(10 * 60_000),
	/** Attempts of one delivery, the first included; then it is given up (about 50 minutes with the defaults). */
	maxAttempts: z.number().int().min(1).default(12),
	/** One request (a sendMessage, a webhook POST) gets this long to answer. */
	timeoutMs: z.number().int().min(1).default(10_000),
	/** How often outbox/ is scanned without a file event. */
	scanMs: z.number().int().min(1).default(1000),
	/** getUpdates' long-poll timeout: a reply is read within this long, and a stop waits no longer. */
	pollSeconds: z.number().int().min(0).max(50).default(10),
	/** After an error of getUpdates, the first wait before polling again (doubling, at most a minute). */
	pollRetryMs: z.number().int().min(1).default(1000),
	/** A stop lets the delivery under way finish for this long before it is cut (then it is sent again at the next start). */
	closeGraceMs: z.number().int().min(0).default(3000),
	/** outbox/sent/ and outbox/failed/ keep their entries this long. */
	keepSentMs: z.number().int().min(0).default(7 * 24 * 3_600_000),
	keepFailedMs: z.number().int().min(0).default(30 * 24 * 3_600_000),
});

export type NotifyTuning = z.output<typeof tuningSchema>;

/** The defaults, with SPOOL_NOTIFY_TUNING's fields over them; a value that does not parse is an error, not ignored. */
export function readTuning(env: NodeJS.ProcessEnv = process.env): NotifyTuning {
	const text = env.SPOOL_NOTIFY_TUNING;
	const parsed = tuningSchema.safeParse(text ? JSON.parse(text) : {});
	if (!parsed.success) {
		throw new Error(`SPOOL_NOTIFY_TUNING: ${parsed.error.issues.map(issue => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
	}

	return parsed.data;
}
