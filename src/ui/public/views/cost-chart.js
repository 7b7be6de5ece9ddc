// Today's cost over the day: the cumulative spend as a step line from the ledger, the daily budget as a
// dashed line, and now. Drawn in SVG at the width it has, so its text keeps its size on a phone.
import {useEffect, useRef, useState} from 'preact/hooks';
import {getJson} from '../api.js';
import {formatUsd} from '../format.js';
import {html} from '../html.js';
import {useLive} from '../live.js';

const HEIGHT = 150;
const PAD = {left: 46, right: 12, top: 12, bottom: 22};

function useWidth(ref) {
	const [width, setWidth] = useState(0);
	useEffect(() => {
		const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry.contentRect.width)));
		observer.observe(ref.current);
		return () => observer.disconnect();
	}, []);
	return width;
}

function hourLabel(time, timezone) {
	return new Intl.DateTimeFormat(undefined, {timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23'}).format(time);
}

export function CostChart({dailyUsd}) {
	const series = useLive(() => getJson('/api/cost/today'), [], change => change.all || change.ledger);
	const box = useRef(null);
	const width = useWidth(box);
	const data = series.data;
	return html`<div class="cost-chart" ref=${box} data-testid="cost-chart">
		${data && width > 0 && html`<${Chart} data=${data} width=${width} dailyUsd=${dailyUsd ?? data.dailyUsd} />`}
	</div>`;
}

function Chart({data, width, dailyUsd}) {
	const {from, until, points, timezone} = data;
	const now = Math.min(Date.now(), until);
	const top = Math.max(dailyUsd ?? 0, data.totalUsd, 0.01) * 1.12;
	const x = time => PAD.left + ((time - from) / (until - from)) * (width - PAD.left - PAD.right);
	const y = usd => PAD.top + (1 - usd / top) * (HEIGHT - PAD.top - PAD.bottom);
	// A step line: the spend holds until the next minute with runs, and up to now.
	let line = `M${x(from)},${y(0)}`;
	let last = 0;
	for (const [time, usd] of points) {
		line += ` H${x(time)} V${y(usd)}`;
		last = usd;
	}

	line += ` H${x(now)}`;
	const area = `${line} V${y(0)} Z`;
	const ticks = [0, 6, 12, 18, 24].map(hours => from + hours * 3600_000).filter(time => time <= until);
	const yTicks = dailyUsd ? [0, dailyUsd / 2] : [0, top / 2.24, top / 1.12];
	const over = dailyUsd !== null && dailyUsd !== undefined && last >= dailyUsd;
	return html`<svg width=${width} height=${HEIGHT} role="img" aria-label=${`cost today: ${formatUsd(last)}${dailyUsd ? ` of a $${dailyUsd} budget` : ''}`}>
		${yTicks.map(usd => html`<g key=${usd}><line class="grid" x1=${PAD.left} x2=${width - PAD.right} y1=${y(usd)} y2=${y(usd)} /><text class="axis" x=${PAD.left - 6} y=${y(usd) + 4} text-anchor="end">${formatUsd(usd)}</text></g>`)}
		${ticks.map(time => html`<text key=${time} class="axis" x=${x(time)} y=${HEIGHT - 6} text-anchor=${time === from ? 'start' : time === until ? 'end' : 'middle'}>${hourLabel(time, timezone)}</text>`)}
		<path class="spend-area" d=${area} />
		<path class=${`spend-line${over ? ' over' : ''}`} d=${line} />
		${dailyUsd ? html`<line class="budget-line" data-testid="budget-line" x1=${PAD.left} x2=${width - PAD.right} y1=${y(dailyUsd)} y2=${y(dailyUsd)} />
			<text class="axis budget-label" x=${width - PAD.right} y=${y(dailyUsd) - 5} text-anchor="end">budget ${formatUsd(dailyUsd)}</text>` : null}
		<line class="now-line" x1=${x(now)} x2=${x(now)} y1=${PAD.top} y2=${HEIGHT - PAD.bottom} />
		<circle class=${`spend-dot${over ? ' over' : ''}`} cx=${x(now)} cy=${y(last)} r="3.5" />
	</svg>`;
}
