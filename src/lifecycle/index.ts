/*
 * The task lifecycle, in one place. A task's state is where its file lies and what its name says
 * (names.ts); each move between states is one named transition, decided by one atomic rename:
 *
 *   pending ──claim──▶ claimed ──start──▶ running ──commit──▶ finished (succeeded | failed | dead | canceled)
 *      ▲                  │                  │
 *      └─────requeue──────┴──────────────────┤   (a retry after a backoff, or handed back uncounted)
 *      └─────expire (the lease ran out)──────┘
 *   claimed ──reject──▶ rejected
 *   running ──park──▶ waiting ──resume (answered)──▶ pending   (the agent asked a person; park.ts, waiting.ts)
 *   waiting ──end (no answer in time)──▶ failed
 *   pending | claimed | running ──cancel──▶ canceled   (asked through control/cancel/W/ID.json; cancel.ts)
 *   failed | dead | canceled ──retry──▶ pending          (a fresh attempt budget; retry.ts)
 *   finished ──archive──▶ archive/                       (spool clean; archive.ts)
 *
 * Other code calls these; none renames a queue file itself. docs/protocol.md describes the same machine.
 */
export {claimTask as claim, startRun as start, lostAttempt, taskAsDropped, type Claim, type ClaimOutcome} from './claim.ts';
export {commitResult as commit, archivePreviousResult, placeResult, type CommitOutcome} from './commit.ts';
export {requeueClaim as requeue, type RequeueOutcome} from './requeue.ts';
export {rejectClaim as reject} from './reject.ts';
export {expireClaims as expire, removeLoopFolder, type Expired} from './expire.ts';
export {renewLease} from './fence.ts';
export {CANCEL_CHECK_MS, cancelPending, canceledResult, clearCancelRequest, hasCancelRequest, readCancelRequests, requestCancel} from './cancel.ts';
export {mayRetry, mayStart} from './attempts.ts';
export {retryResult as retry, type RetryOutcome} from './retry.ts';
export {archiveFinished as archive} from './archive.ts';
export {findLiveTask, type LiveTask} from './locate.ts';
export {parkClaim as park, type ParkOutcome} from './park.ts';
export {endWaiting, resumeWaiting, sweepWaiting, type ResumeOutcome} from './waiting.ts';
