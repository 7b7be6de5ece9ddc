import {describe, expect, test} from 'vitest';
import {entryOutcome, failureOf, isDue, isRetryableStatus, nextDelivery, type SendOutcome} from '../../src/notify/delivery.ts';
import type {Delivery} from '../../src/notify/entry.ts';
import {formatEvent} from '../../src/notify/format.ts';
import {parseRetryAfter} from '../../src/notify/post.ts';
import {createScrubber} from '../../src/notify/scrub.ts';

const TUNING = {backoffMs: 1000, backoffMaxMs: 8000, maxAttempts: 4};
const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();
const retrying = (attempts: number): Delivery => ({state: 'retrying', attempts, lastAttemptAt: at(-1000), lastError: 'x', nextAt: at(0)});

describe('a delivery after one attempt (delivery.ts nextDelivery)', () => {
	const fail = (extra: Partial<SendOutcome & {ok: false}> = {}): SendOutcome => ({ok: false, error: 'webhook answered HTTP 503', final: false, ...extra});
	test.each([
		{name: 'a first success', previous: undefined, outcome: {ok: true, messageId: 7} as SendOutcome, want: {state: 'sent', attempts: 1, sentAt: at(0), messageId: 7}},
		{name: 'a success after two failures', previous: retrying(2), outcome: {ok: true} as SendOutcome, want: {state: 'sent', attempts: 3, sentAt: at(0)}},
		// random 0 gives the shortest jitter: half the doubling wait.
		{name: 'a first failure waits half to all of backoffMs', previous: undefined, outcome: fail(), want: {state: 'retrying', attempts: 1, lastError: 'webhook answered HTTP 503', nextAt: at(500)}},
		{name: 'the third failure waits four times as long', previous: retrying(2), outcome: fail(), want: {state: 'retrying', attempts: 3, nextAt: at(2000)}},
		{name: 'a Retry-After longer than the back-off is obeyed', previous: undefined, outcome: fail({retryAfterMs: 5000}), want: {state: 'retrying', attempts: 1, nextAt: at(5000)}},
		{name: 'a Retry-After is capped at backoffMaxMs', previous: undefined, outcome: fail({retryAfterMs: 3_600_000}), want: {state: 'retrying', nextAt: at(8000)}},
		{name: 'the last allowed attempt gives up', previous: retrying(3), outcome: fail(), want: {state: 'failed', attempts: 4, gaveUpAt: at(0), lastError: 'webhook answered HTTP 503 (gave up after 4 attempts)'}},
		{name: 'a final error gives up at once', previous: undefined, outcome: fail({error: 'webhook answered HTTP 404', final: true}), want: {state: 'failed', attempts: 1, lastError: 'webhook answered HTTP 404'}},
	])('$name', ({previous, outcome, want}) => {
		expect(nextDelivery(previous, outcome, NOW, TUNING, () => 0)).toMatchObject(want);
	});

	test('the wait never exceeds the doubling wait (jitter 50-100 %)', () => {
		expect(nextDelivery(retrying(1), fail(), NOW, TUNING, () => 0.999_999)).toMatchObject({nextAt: at(2000)});
		expect(nextDelivery(retrying(9), fail(), NOW, {...TUNING, maxAttempts: 20}, () => 0.999_999)).toMatchObject({nextAt: at(8000)});
	});
});

describe('which answers are tried again (isRetryableStatus, failureOf)', () => {
	test.each([
		[200, false], [400, false], [401, false], [403, false], [404, false], [408, true], [410, false], [425, true], [429, true], [500, true], [502, true], [503, true],
	])('HTTP %i: retry %s', (status, retry) => {
		expect(isRetryableStatus(status)).toBe(retry);
	});

	test('an outcome names the target and the answer, never more than 300 characters of the body', () => {
		expect(failureOf({kind: 'answered', status: 503, body: `busy\n${'x'.repeat(1000)}`, retryAfterMs: 2000}, 'webhook a.example (json)')).toEqual({
			ok: false, error: `webhook a.example (json) answered HTTP 503: busy ${'x'.repeat(295)}`, final: false, retryAfterMs: 2000,
		});
		expect(failureOf({kind: 'timeout', timeoutMs: 10_000}, 'Telegram (sendMessage)')).toEqual({ok: false, error: 'Telegram (sendMessage) did not answer within 10000 ms', final: false});
		expect(failureOf({kind: 'unreachable', message: 'fetch failed: connect ECONNREFUSED'}, 'webhook b (slack)')).toMatchObject({final: false});
	});

	test.each([
		['5', 5000], ['0', 0], [new Date(NOW + 30_000).toUTCString(), 30_000], ['soon', undefined], [null, undefined],
	])('Retry-After %s is %s ms', (value, ms) => {
		expect(parseRetryAfter(value, NOW)).toBe(ms);
	});
});

describe('when an entry is due and done', () => {
	test.each([
		{name: 'never tried', delivery: undefined, due: true},
		{name: 'retrying, its time come', delivery: retrying(1), due: true},
		{name: 'retrying, later', delivery: {...retrying(1), nextAt: at(1)} as Delivery, due: false},
		{name: 'sent', delivery: {state: 'sent', attempts: 1, sentAt: at(0)} as Delivery, due: false},
		{name: 'failed', delivery: {state: 'failed', attempts: 1, lastAttemptAt: at(0), lastError: 'x', gaveUpAt: at(0)} as Delivery, due: false},
	])('$name: due $due', ({delivery, due}) => {
		expect(isDue(delivery, NOW)).toBe(due);
	});

	const sent: Delivery = {state: 'sent', attempts: 1, sentAt: at(0)};
	const failed: Delivery = {state: 'failed', attempts: 2, lastAttemptAt: at(0), lastError: 'x', gaveUpAt: at(0)};
	test.each<{deliveries: Record<string, Delivery>; outcome: string}>([
		{deliveries: {}, outcome: 'pending'},
		{deliveries: {a: sent}, outcome: 'pending'},
		{deliveries: {a: sent, b: retrying(1)}, outcome: 'pending'},
		{deliveries: {a: sent, b: sent}, outcome: 'sent'},
		{deliveries: {a: sent, b: failed}, outcome: 'failed'},
		// A target no longer configured does not hold the entry back.
		{deliveries: {a: sent, b: sent, gone: retrying(1)}, outcome: 'sent'},
	])('$deliveries: $outcome', ({deliveries, outcome}) => {
		expect(entryOutcome({deliveries}, ['a', 'b'])).toBe(outcome);
	});
});

describe('the text a person reads (format.ts)', () => {
	const home = '/srv/team-home';
	test.each([
		{
			event: {type: 'task_dead', time: at(0), message: 'coder/readme is dead after 3 attempts: api_unavailable: API error 529', worker: 'coder', id: 'readme', next: 'spool retry coder/readme'},
			replyable: true,
			text: 'spool team-home · Task dead · coder/readme\ncoder/readme is dead after 3 attempts: api_unavailable: API error 529\n\nNext: spool retry coder/readme',
		},
		{
			event: {type: 'question', time: at(0), message: 'coder/fix asks a question', worker: 'coder', id: 'fix', question: 'Which branch?'},
			replyable: true,
			text: 'spool team-home · Question · coder/fix\ncoder/fix asks a question\n\nWhich branch?\n\nReply to this message to answer it.',
		},
		{
			event: {type: 'question', time: at(0), message: 'coder/fix asks: Which branch?', worker: 'coder', id: 'fix', question: 'Which branch?'},
			replyable: false,
			text: 'spool team-home · Question · coder/fix\ncoder/fix asks: Which branch?',
		},
		{
			event: {type: 'workflow_done', time: at(0), message: 'workflow notes succeeded', workflow: 'notes', summary: 'results/workflows/notes.md'},
			replyable: false,
			text: 'spool team-home · Workflow done · workflow notes\nworkflow notes succeeded\n\nRead: results/workflows/notes.md',
		},
		{
			event: {type: 'report_ready', time: at(0), message: 'the report of 2026-12-01 is ready', date: '2026-12-01', file: 'reports/2026-12-01.md'},
			replyable: true,
			text: 'spool team-home · Report ready · 2026-12-01\nthe report of 2026-12-01 is ready\n\nRead: reports/2026-12-01.md',
		},
		{
			event: {type: 'worker_paused', time: at(0), message: 'worker coder is paused', worker: 'coder', next: 'spool login coder'},
			replyable: true,
			text: 'spool team-home · Worker paused · worker coder\nworker coder is paused\n\nNext: spool login coder',
		},
		{event: {type: 'from_a_later_spool', time: at(0), message: 'something new'}, replyable: true, text: 'spool team-home · from_a_later_spool\nsomething new'},
	])('$event.type (replyable $replyable)', ({event, replyable, text}) => {
		expect(formatEvent(event, {home, replyable})).toBe(text);
	});

	test('a long message is cut below Telegram\'s 4096 characters', () => {
		const text = formatEvent({type: 'question', time: at(0), message: 'x'.repeat(10_000)}, {home, replyable: true});
		expect(text.length).toBeLessThan(4096);
		expect(text).toMatch(/… \(cut; the whole event is in events\/ of the spool home\)$/);
	});
});

describe('secrets never reach a log or an entry (scrub.ts)', () => {
	const token = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
	const scrub = createScrubber({telegram: {botToken: token, chatId: '1', apiBase: 'https://api.telegram.org'}, webhooks: [{url: 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX', format: 'slack'}]});
	test.each([
		[`request to https://api.telegram.org/bot${token}/sendMessage failed`, 'request to https://api.telegram.org/bot[redacted]/sendMessage failed'],
		[`escaped: ${JSON.stringify(JSON.stringify(token))}`, 'escaped: "\\"[redacted]\\""'],
		[`url-encoded: ${encodeURIComponent(token)}`, 'url-encoded: [redacted]'],
		['POST https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX: 404', 'POST [redacted]: 404'],
		['path /services/T000/B000/XXXXXXXXXXXXXXXX not found', 'path [redacted] not found'],
		// A token spool.yaml no longer names (an old one in a proxy's message) is still shaped like one.
		['/bot987654321:ZZHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getUpdates', '/bot[redacted]/getUpdates'],
		['connect ECONNREFUSED 127.0.0.1:8443 at 2026-12-01T12:00:00.000Z', 'connect ECONNREFUSED 127.0.0.1:8443 at 2026-12-01T12:00:00.000Z'],
	])('%s', (text, scrubbed) => {
		expect(scrub(text)).toBe(scrubbed);
	});
});
