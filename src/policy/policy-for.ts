import type {Config} from '../config/load.ts';
import type {WorkerConfig} from '../config/schema.ts';
import {DEFAULT_DENY, type PolicyRules} from './rules.ts';

/** A worker's policy: the home's (its deny list, or the default one), with the worker's rules added, its `allow` taken away, and its onViolation over the home's. */
export function policyFor(config: Pick<Config, 'policy'>, worker: Pick<WorkerConfig, 'policy'>): PolicyRules {
	const home = config.policy;
	const own = worker.policy;
	const allowed = new Set(own?.allow ?? []);
	const keep = (rules: readonly string[]) => [...new Set(rules)].filter(rule => !allowed.has(rule));
	return {
		deny: keep([...(home.deny ?? DEFAULT_DENY), ...(own?.deny ?? [])]),
		ask: keep([...(home.ask ?? []), ...(own?.ask ?? [])]),
		onViolation: own?.onViolation ?? home.onViolation ?? 'deny',
	};
}
