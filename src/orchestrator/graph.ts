/** The edges of a workflow: each task and the ids it depends on. */
export type Node = {id: string; dependsOn?: readonly string[]};

/** A cycle as the path that closes it (["a", "b", "a"]: a depends on b, b on a), or undefined. Unknown ids are ignored. */
export function findCycle(nodes: readonly Node[]): string[] | undefined {
	const byId = new Map(nodes.map(node => [node.id, node]));
	const state = new Map<string, 'visiting' | 'done'>();
	const stack: string[] = [];
	const visit = (id: string): string[] | undefined => {
		if (state.get(id) === 'done') {
			return undefined;
		}

		if (state.get(id) === 'visiting') {
			return [...stack.slice(stack.indexOf(id)), id];
		}

		state.set(id, 'visiting');
		stack.push(id);
		for (const dependency of byId.get(id)?.dependsOn ?? []) {
			if (byId.has(dependency)) {
				const cycle = visit(dependency);
				if (cycle) {
					return cycle;
				}
			}
		}

		stack.pop();
		state.set(id, 'done');
		return undefined;
	};

	for (const node of nodes) {
		const cycle = visit(node.id);
		if (cycle) {
			return cycle;
		}
	}

	return undefined;
}

/** Every task `id` depends on, directly or through others. The graph must be acyclic. */
export function ancestorsOf(nodes: readonly Node[], id: string): Set<string> {
	const byId = new Map(nodes.map(node => [node.id, node]));
	const found = new Set<string>();
	const pending = [...(byId.get(id)?.dependsOn ?? [])];
	while (pending.length > 0) {
		const next = pending.pop()!;
		if (!found.has(next) && byId.has(next)) {
			found.add(next);
			pending.push(...(byId.get(next)?.dependsOn ?? []));
		}
	}

	return found;
}

/** The nodes in an order where every task comes after the tasks it depends on; ties keep file order. */
export function orderTasks<T extends Node>(nodes: readonly T[]): T[] {
	const placed = new Set<string>();
	const ordered: T[] = [];
	while (ordered.length < nodes.length) {
		const next = nodes.find(node => !placed.has(node.id) && (node.dependsOn ?? []).every(id => placed.has(id)));
		if (!next) {
			throw new Error('orderTasks: the graph has a cycle or an unknown dependency');
		}

		placed.add(next.id);
		ordered.push(next);
	}

	return ordered;
}
