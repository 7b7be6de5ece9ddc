import fs from 'node:fs/promises';
import type {Config} from '../config/load.ts';
import {SpoolError} from '../errors.ts';
import {createLayout} from '../queue/layout.ts';
import {adoptRootOwnedTree, foldersToPrepare, prepareFolders} from './prepare-folders.ts';
import {resolveTargetUser, type TargetUser} from './target-user.ts';

export type Dropped = TargetUser & {handedOver: string[]};

/**
 * In a container (SPOOL_DROP_PRIVILEGES=1, set by Dockerfile.worker) spool starts as root only to take
 * care of ownership: it picks the data root's owner (or PUID/PGID), creates the folders it will write
 * in, hands root-owned ones over, and then drops to that uid for good, before it opens a log or touches
 * a task. `own` names the auth home this process uses (a worker's, or "orchestrator" for the planner),
 * which is handed over too, credentials and all. Outside a container, or when not started as root, it
 * does nothing and returns undefined.
 */
export async function dropPrivileges(config: Config, own?: string, env: NodeJS.ProcessEnv = process.env): Promise<Dropped | undefined> {
	if (env.SPOOL_DROP_PRIVILEGES !== '1' || process.getuid?.() !== 0) {
		return undefined;
	}

	const target = await resolveTargetUser(config.home, env);
	const layout = createLayout(config.home);
	const handedOver = await prepareFolders(foldersToPrepare(layout, Object.keys(config.workers)), target);
	if (own !== undefined) {
		handedOver.push(...(await adoptRootOwnedTree(layout.authHome(own), target)));
	}

	process.setgroups!([target.gid]);
	process.setgid!(target.gid);
	process.setuid!(target.uid);
	await fs.access(config.file, fs.constants.R_OK).catch(() => {
		throw new SpoolError('home_unreadable', `${config.file} cannot be read as uid ${target.uid} (${target.source}): make the data root readable for it, or set PUID/PGID to its owner`);
	});
	return {...target, handedOver};
}
