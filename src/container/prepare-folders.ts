import fs from 'node:fs/promises';
import path from 'node:path';
import {createWorkflowLayout} from '../orchestrator/store.ts';
import type {Layout} from '../queue/layout.ts';

export type Owner = {uid: number; gid: number};

/**
 * Every folder a spool process writes in, so that they exist and belong to the dropped user before root
 * is gone: the queue's folders for every worker (the orchestrator queues and watches them all, each
 * worker sweeps its own), the orchestrator's goals/, workflows/ and results/workflows/, auth-homes/, and
 * control/ (`spool down`'s request, the orchestrator's record), ledger/ and events/ (every run's cost and
 * what spool tells a person, written by every container).
 */
export function foldersToPrepare(layout: Layout, workers: readonly string[]): string[] {
	const root = (name: string) => path.join(layout.home, name);
	const workflows = createWorkflowLayout(layout.home);
	const folders = [layout.tasksRoot, root('processing'), root('results'), root('rejected'), layout.waitingRoot, root('workspaces'), root('paused'), root('auth-homes'), layout.logs, layout.controlRoot, layout.ledgerRoot, layout.eventsRoot];
	for (const worker of workers) {
		folders.push(layout.tasks(worker), layout.processing(worker), layout.results(worker), layout.rejected(worker), layout.waiting(worker), path.join(root('workspaces'), worker));
	}

	folders.push(workflows.goals, workflows.workflows, workflows.results, path.dirname(workflows.plannerTranscript('_')));
	return folders;
}

/**
 * Creates what is missing, owned by `owner`, and hands over folders that root owns (Docker creates a
 * missing bind source as root), so that nothing is left that the host user cannot delete. Folders of
 * another non-root user are left alone. Returns the folders it created or handed over.
 */
export async function prepareFolders(folders: readonly string[], owner: Owner): Promise<string[]> {
	const changed: string[] = [];
	for (const folder of folders) {
		const stat = await fs.stat(folder).catch(() => undefined);
		if (!stat) {
			await fs.mkdir(folder, {recursive: true});
		} else if (stat.uid !== 0 || owner.uid === 0) {
			continue;
		}

		await fs.chown(folder, owner.uid, owner.gid);
		changed.push(folder);
	}

	return changed;
}

/**
 * A worker's auth home, recursively: credentials that root wrote (or a folder Docker created) become the
 * worker's, since claude must read and refresh them as the dropped user.
 */
export async function adoptRootOwnedTree(root: string, owner: Owner): Promise<string[]> {
	const changed: string[] = [];
	const visit = async (entry: string): Promise<void> => {
		const stat = await fs.lstat(entry).catch(() => undefined);
		if (!stat) {
			return;
		}

		if (stat.uid === 0) {
			await fs.lchown(entry, owner.uid, owner.gid);
			changed.push(entry);
		}

		if (stat.isDirectory()) {
			for (const name of await fs.readdir(entry)) {
				await visit(path.join(entry, name));
			}
		}
	};

	await fs.mkdir(root, {recursive: true, mode: 0o700});
	await visit(root);
	return changed;
}
