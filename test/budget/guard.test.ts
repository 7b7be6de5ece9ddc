import fs from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import {describe, expect, test} from 'vitest';
import {BudgetGuard} from '../../src/budget/guard.ts';
import {LiveConfig} from '../../src/config/live.ts';
import {loadConfig} from '../../src/config/load.ts';
import {ledgerEntry} from '../helpers/ledger.ts';
import {Ledger} from '../../src/ledger/ledger.ts';
import {createLayout} from '../../src/queue/layout.ts';
import {makeHome} from '../helpers/home.ts';

const silent = pino({level: 'silent'});

async function guardFor(extra: Record<string, unknown>, worker: Record<string, unknown> = {}) {
	const home = await makeHome({workers: {coder: worker}, extra});
	const config = loadConfig(home);
	const layout = createLayout(home);
	const live = new LiveConfig(config, silent);
	const spend = (costUsd: number, time: string, name = 'coder') =>
		new Ledger(layout, config.budget.timezone).append(
			ledgerEntry({time, worker: name, costUsd}),
		);
	return {home, guard: new BudgetGuard({layout, live, worker: 'coder', logger: silent}), spend};
}

describe('the budget guard of a worker loop', () => {
	test('a halt lifts at local midnight of budget.timezone', async () => {
		const {guard, spend} = await guardFor({budget: {dailyUsd: 1, timezone: 'Europe/Paris'}});
		spend(1.5, '2026-12-01T22:30:00.000Z'); // 23:30 in Paris.
		const closed = guard.check(Date.parse('2026-12-01T22:45:00.000Z'));
		expect(closed).toMatchObject({until: Date.parse('2026-12-01T23:00:00.000Z')});
		expect(closed!.reason).toMatch(/^the home's daily budget of \$1 is spent \(\$1\.5000 on 2026-12-01\): no task starts until 2026-12-01T23:00:00\.000Z/);
		expect(guard.check(Date.parse('2026-12-01T23:00:00.001Z'))).toBeUndefined();
	});

	test("a run's cap is the least of the task's maxCostUsd, perTaskUsd (the worker's over the home's) and what is left of each budget", async () => {
		const now = Date.now();
		const {guard, spend} = await guardFor({budget: {dailyUsd: 10, perTaskUsd: 5}}, {dailyUsd: 4, perTaskUsd: 3});
		expect(guard.capFor({}, now)).toEqual({usd: 3, byDay: false, from: 'workers.coder.perTaskUsd'});
		expect(guard.capFor({maxCostUsd: 2}, now)).toEqual({usd: 2, byDay: false, from: "the task's maxCostUsd"});
		spend(2.5, new Date(now).toISOString());
		expect(guard.capFor({}, now)).toEqual({usd: 1.5, byDay: true, from: 'what was left of workers.coder.dailyUsd'}); // The worker's $4, less $2.50.
		spend(7, new Date(now).toISOString(), 'reviewer');
		expect(guard.capFor({}, now)).toEqual({usd: 0.5, byDay: true, from: "what was left of the home's budget.dailyUsd"}); // The home's $10, less $9.50.
		spend(0.5, new Date(now).toISOString(), 'reviewer');
		expect(guard.capFor({}, now)).toMatchObject({usd: 0, byDay: true});
	});

	test('without a budget no run is capped, and a spool.yaml that stops parsing leaves the last good budget in force', async () => {
		const {home, guard, spend} = await guardFor({});
		const now = Date.now();
		expect(guard.capFor({}, now)).toEqual({usd: undefined, byDay: false, from: null});
		spend(3, new Date(now).toISOString());
		expect(guard.check(now)).toBeUndefined();
		const file = path.join(home, 'spool.yaml');
		await fs.appendFile(file, 'budget:\n  dailyUsd: 2\n');
		await new Promise(resolve => setTimeout(resolve, 1100));
		expect(guard.check(now)?.reason).toMatch(/daily budget of \$2 is spent/);
		await fs.appendFile(file, 'nonsense: [\n');
		await new Promise(resolve => setTimeout(resolve, 1100));
		expect(guard.check(now)?.reason).toMatch(/daily budget of \$2 is spent/);
	});
});
