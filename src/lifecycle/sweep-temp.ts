import fs from 'node:fs/promises';
import path from 'node:path';
import type {Layout} from '../queue/layout.ts';

/** What a sweep of temp files did: removed some, and saw some too young to remove yet. */
export type TempSweep = {removed: number; young: number};

/**
 * Removes spool's own temp files (`.NAME.RANDOM.tmp`) that a crashed loop left behind. Only files older
 * than the lease go: a younger one may belong to a live loop in the middle of a write. results/ only
 * with `results` (it holds two names per finished task, so the caller lists it less often).
 */
export async function sweepTempFiles(layout: Layout, worker: string, olderThanMs: number, options: {results: boolean}, now = Date.now()): Promise<TempSweep> {
	const processing = layout.processing(worker);
	// Only real folders: a symlink named like an owner must not lead the sweep into another folder.
	const owners = (await fs.readdir(processing, {withFileTypes: true}).catch(() => [])).filter(entry => entry.isDirectory());
	const dirs = [layout.tasks(worker), ...(options.results ? [layout.results(worker)] : []), ...owners.map(owner => path.join(processing, owner.name))];
	const swept: TempSweep = {removed: 0, young: 0};
	for (const dir of dirs) {
		const names = await fs.readdir(dir).catch(() => []);
		for (const name of names.filter(name => name.startsWith('.') && name.endsWith('.tmp'))) {
			const file = path.join(dir, name);
			const stat = await fs.lstat(file).catch(() => undefined);
			if (stat && now - stat.mtimeMs > olderThanMs) {
				await fs.rm(file, {force: true});
				swept.removed++;
			} else if (stat) {
				swept.young++;
			}
		}
	}

	return swept;
}
