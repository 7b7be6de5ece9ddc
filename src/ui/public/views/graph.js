// A workflow's tasks as a graph: dagre lays it out (left to right, top to bottom on a phone), SVG draws
// it, each node coloured by its state and a link to its task.
import dagre from '@dagrejs/dagre';
import {useMemo} from 'preact/hooks';
import {taskHref} from '../format.js';
import {html} from '../html.js';

/** Narrower nodes top to bottom, so two side by side fit a phone. */
const NODE_SIZES = {LR: {width: 176, height: 50}, TB: {width: 150, height: 50}};

/** What a node's tooltip says of its state. */
const STATE_WORDS = {upcoming: 'upcoming: queued once what it depends on succeeded', missing: 'queued, but its task file is gone'};

function layout(nodes, direction) {
	const NODE = NODE_SIZES[direction];
	const graph = new dagre.graphlib.Graph();
	graph.setGraph({rankdir: direction, nodesep: 18, ranksep: direction === 'LR' ? 56 : 40, marginx: 6, marginy: 6});
	graph.setDefaultEdgeLabel(() => ({}));
	for (const node of nodes) graph.setNode(node.id, {...NODE});
	for (const node of nodes) {
		for (const dependency of node.dependsOn) {
			if (graph.hasNode(dependency)) graph.setEdge(dependency, node.id);
		}
	}

	dagre.layout(graph);
	return {
		width: Math.ceil(graph.graph().width),
		height: Math.ceil(graph.graph().height),
		places: new Map(graph.nodes().map(id => [id, graph.node(id)])),
		edges: graph.edges().map(edge => ({key: `${edge.v}>${edge.w}`, points: graph.edge(edge).points, to: edge.w})),
	};
}

function cut(text, max) {
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A smooth line through dagre's points: a quadratic curve about each inner point, straight at the ends. */
function edgePath(points) {
	const [first, ...rest] = points;
	const last = rest.pop() ?? first;
	let path = `M${first.x},${first.y}`;
	rest.forEach((point, n) => {
		const next = rest[n + 1] ?? last;
		path += ` Q${point.x},${point.y} ${(point.x + next.x) / 2},${(point.y + next.y) / 2}`;
	});
	return `${path} L${last.x},${last.y}`;
}

export function WorkflowGraph({nodes, direction}) {
	// The layout depends on the shape only: a change of state recolours, never moves a node.
	const shape = nodes.map(node => `${node.id}<${node.dependsOn.join(',')}`).join(' ');
	const drawn = useMemo(() => layout(nodes, direction), [shape, direction]);
	const byId = new Map(nodes.map(node => [node.id, node]));
	const NODE = NODE_SIZES[direction];
	const chars = direction === 'LR' ? [20, 26] : [17, 22];
	return html`<svg class="graph" data-testid="graph" viewBox=${`0 0 ${drawn.width} ${drawn.height}`} width=${drawn.width} height=${drawn.height} role="img" aria-label="the workflow's tasks and what each depends on">
		<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" class="arrow-head" /></marker></defs>
		${drawn.edges.map(edge => html`<path key=${edge.key} class=${`edge state-${byId.get(edge.to)?.state}`} d=${edgePath(edge.points)} marker-end="url(#arrow)" />`)}
		${nodes.map(node => {
			const place = drawn.places.get(node.id);
			if (!place) return null;
			const x = place.x - NODE.width / 2;
			const y = place.y - NODE.height / 2;
			return html`<a key=${node.id} href=${taskHref(node.worker, node.taskId)} class=${`node state-${node.state}`} data-node=${node.id} data-state=${node.state}>
				<title>${node.id} (${node.worker}): ${STATE_WORDS[node.state] ?? node.state}${node.error ? ` — ${node.error.message}` : ''}</title>
				<rect x=${x} y=${y} width=${NODE.width} height=${NODE.height} rx="8" />
				<text x=${x + 12} y=${y + 21} class="node-id">${cut(node.id, chars[0])}</text>
				<text x=${x + 12} y=${y + 38} class="node-meta">${cut(`${node.worker} · ${node.state}`, chars[1])}</text>
			</a>`;
		})}
	</svg>`;
}
