import net from 'node:net';
import {tokenMatches} from './token.ts';

/** Why a request is refused; each code is said to the caller in a JSON error, with the message below. */
export const REFUSALS = {
	host_not_allowed: 'the Host header names neither this machine nor an IP address (a DNS-rebinding page would send its own name): open the dashboard by 127.0.0.1, localhost or this host\'s name',
	cross_site: 'the browser says this request comes from another site (Sec-Fetch-Site), and actions are taken only from the dashboard\'s own page',
	cross_origin: 'the request\'s Origin is not the dashboard\'s own, and actions are taken only from the dashboard\'s own page',
	json_required: 'an action takes a JSON body: send Content-Type: application/json (a form post from another page cannot)',
	token_missing: 'an action needs the token: send Authorization: Bearer TOKEN (spool ui prints it; it is in control/ui-token)',
	token_wrong: 'the token is not this home\'s: use the one spool ui printed (control/ui-token)',
} as const;

export type RefusalCode = keyof typeof REFUSALS;
export type Refusal = {code: RefusalCode; message: string};

/** What the checks read of a request: its headers, lower-cased as node:http gives them. */
export type RequestFacts = {
	host?: string;
	origin?: string;
	secFetchSite?: string;
	contentType?: string;
	authorization?: string;
};

const refusal = (code: RefusalCode): Refusal => ({code, message: REFUSALS[code]});

/**
 * Every request, reads too: the Host must be an IP address, localhost, the bound host or this machine's
 * name. Reads need no token, so without this a page on another site whose name was re-pointed at
 * 127.0.0.1 (DNS rebinding) could read the queue as if it were the dashboard's own origin.
 */
export function checkHost(host: string | undefined, allowedNames: readonly string[]): Refusal | undefined {
	const name = hostnameOf(host);
	if (name === undefined) {
		return refusal('host_not_allowed');
	}

	const allowed = net.isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost') || allowedNames.some(allowedName => allowedName.toLowerCase() === name);
	return allowed ? undefined : refusal('host_not_allowed');
}

/**
 * An action (a POST): from the dashboard's own page or a script, never from another site, and with the
 * token. A browser always sends Sec-Fetch-Site and Origin with a cross-site POST; a script sends
 * neither, and its token is what lets it act. JSON only: a cross-site HTML form can send no such body
 * without the preflight that the server never grants.
 */
export function checkAction(facts: RequestFacts, token: string): Refusal | undefined {
	if (facts.secFetchSite !== undefined && facts.secFetchSite !== 'same-origin') {
		return refusal('cross_site');
	}

	if (facts.origin !== undefined && facts.origin !== `http://${facts.host ?? ''}`) {
		return refusal('cross_origin');
	}

	const bearer = /^Bearer\s+(\S+)$/i.exec(facts.authorization ?? '')?.[1];
	if (bearer === undefined) {
		return refusal('token_missing');
	}

	if (!tokenMatches(bearer, token)) {
		return refusal('token_wrong');
	}

	return facts.contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json' ? undefined : refusal('json_required');
}

/** The name part of a Host header: `[::1]:7333` → `::1`, `Example.com:80` → `example.com`. */
function hostnameOf(host: string | undefined): string | undefined {
	if (!host) {
		return undefined;
	}

	const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
	if (bracketed) {
		return bracketed[1]!.toLowerCase();
	}

	const plain = /^([^:]+)(?::\d+)?$/.exec(host);
	return plain?.[1]?.toLowerCase();
}
