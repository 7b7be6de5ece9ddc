import type {QuotaView, QuotaWindowView} from '../quota/view.ts';

/** One subscription account as the Overview draws it: its windows as bars, the auth homes (workers) on it. */
export type QuotaAccount = {
	account: string;
	workers: string[];
	/** Claiming stops at 1 - reserve used; the largest reserve of its workers, where the first stops. */
	stopsAt: number;
	updatedAt: string | null;
	windows: QuotaWindowView[];
	pausedUntil: string | null;
	pauseMessage: string | null;
	holdingBack: QuotaView['holdingBack'];
};

/**
 * The accounts with something to show (a window whose reset lies ahead, or a usage-limit pause), each
 * once however many auth homes share it. An API key reports no windows: then the list is empty.
 */
export function quotaAccounts(views: readonly QuotaView[]): QuotaAccount[] {
	const accounts = new Map<string, QuotaAccount>();
	for (const view of views) {
		if (view.windows.length === 0 && view.pausedUntil === null) {
			continue;
		}

		const known = accounts.get(view.account);
		if (known) {
			known.workers.push(view.worker);
			known.stopsAt = Math.min(known.stopsAt, 1 - view.reserve);
			known.holdingBack ??= view.holdingBack;
			continue;
		}

		accounts.set(view.account, {
			account: view.account,
			workers: [view.worker],
			stopsAt: 1 - view.reserve,
			updatedAt: view.updatedAt,
			windows: view.windows,
			pausedUntil: view.pausedUntil,
			pauseMessage: view.pauseMessage,
			holdingBack: view.holdingBack,
		});
	}

	return [...accounts.values()];
}
