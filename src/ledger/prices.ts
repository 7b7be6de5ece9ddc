/**
 * List prices in US dollars per million tokens, as claude 2.1.329 reckons them for total_cost_usd
 * (measured against the API stand-in), for the one case where spool must reckon a cost itself: a run
 * stopped (a timeout, a shutdown, a lost lease) before claude wrote its result line. A model not named
 * here is priced as the dearest, so an estimate errs on the side of the budget. Cache reads cost a
 * tenth of input, cache writes a quarter more than input, as the API's list prices say.
 */
const PRICES: Array<{match: RegExp; input: number; output: number}> = [
	{match: /opus-4-[5-9]|opus-[5-9]/, input: 5, output: 25},
	{match: /opus/, input: 15, output: 75},
	{match: /sonnet/, input: 3, output: 15},
	{match: /haiku-4|haiku-[5-9]/, input: 1, output: 5},
	{match: /haiku/, input: 0.8, output: 4},
];

const DEAREST = {input: 15, output: 75};

export type Tokens = {input: number; output: number; cacheRead: number; cacheWrite: number};

/** What `tokens` cost at `model`'s list price. */
export function estimateCostUsd(model: string | null, tokens: Tokens): number {
	const price = PRICES.find(entry => model !== null && entry.match.test(model)) ?? DEAREST;
	const perToken = (usdPerMillion: number) => usdPerMillion / 1_000_000;
	return tokens.input * perToken(price.input) + tokens.cacheRead * perToken(price.input * 0.1) + tokens.cacheWrite * perToken(price.input * 1.25) + tokens.output * perToken(price.output);
}
