// The subscription accounts' usage windows as bars: how much is used, where spool stops claiming
// (the reserve), and when each window resets. An API key reports none.
import {formatSpan} from '../format.js';
import {html} from '../html.js';

const WINDOW_NAMES = {five_hour: '5-hour', seven_day: '7-day', seven_day_opus: '7-day Opus', seven_day_sonnet: '7-day Sonnet'};

export function QuotaBars({accounts}) {
	return html`<section class="card quota" data-testid="quota">
		<h3>Subscription windows</h3>
		${accounts.length === 0
			? html`<p class="quiet" data-testid="no-quota">no subscription windows: no run of a subscription login reported any yet (an API key reports none)</p>`
			: accounts.map(account => html`<${Account} key=${account.account} account=${account} />`)}
	</section>`;
}

function Account({account}) {
	return html`<div class="account" data-account=${account.account}>
		<p class="account-head"><span>${account.workers.join(', ')}</span><span class="quiet">${account.updatedAt ? `seen ${formatSpan(Date.now() - Date.parse(account.updatedAt))} ago` : ''}</span></p>
		${account.pausedUntil && html`<p class="warn">Usage limit reached: paused until ${new Date(account.pausedUntil).toLocaleString()}${account.pauseMessage ? ` (${account.pauseMessage})` : ''}</p>`}
		${account.holdingBack && html`<p class="warn">Holding back: the ${WINDOW_NAMES[account.holdingBack.window] ?? account.holdingBack.window} window is at its reserve until ${new Date(account.holdingBack.until).toLocaleTimeString()}</p>`}
		${account.windows.map(window => html`<${WindowBar} key=${window.name} window=${window} stopsAt=${account.stopsAt} />`)}
	</div>`;
}

function WindowBar({window, stopsAt}) {
	const used = Math.max(0, Math.min(1, window.utilization));
	const level = window.atReserve ? 'full' : used >= stopsAt * 0.8 ? 'high' : 'ok';
	const resets = Date.parse(window.resetsAt);
	return html`<div class="window" data-window=${window.name}>
		<span class="window-name">${WINDOW_NAMES[window.name] ?? window.name}</span>
		<svg class="bar" width="100%" height="12" role="img" aria-label=${`${Math.round(used * 100)}% used; claiming stops at ${Math.round(stopsAt * 100)}%`}>
			<rect class="bar-track" x="0" y="0" width="100%" height="12" rx="6" />
			<rect class=${`bar-fill ${level}`} x="0" y="0" width=${`${used * 100}%`} height="12" rx="6" />
			<line class="bar-stop" x1=${`${stopsAt * 100}%`} x2=${`${stopsAt * 100}%`} y1="0" y2="12" />
		</svg>
		<span class="window-used">${Math.round(used * 100)}%</span>
		<span class="window-reset quiet">resets in ${formatSpan(resets - Date.now())} · ${new Date(resets).toLocaleString(undefined, {weekday: 'short', hour: '2-digit', minute: '2-digit'})}</span>
	</div>`;
}
