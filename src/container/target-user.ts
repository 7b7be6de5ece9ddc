import fs from 'node:fs/promises';
import {SpoolError} from '../errors.ts';

/** The image's own non-root user ("node" in the official Node image), for a data root owned by root. */
export const IMAGE_USER = Object.freeze({uid: 1000, gid: 1000});

export type TargetUser = {uid: number; gid: number; source: 'PUID' | 'data root owner' | 'image user'};

/**
 * Whom a container's spool runs as: PUID/PGID when set, else the owner of the data root (a Linux
 * user's clone belongs to their uid), else, when root owns it, the image's own non-root user. Never root.
 */
export async function resolveTargetUser(home: string, env: NodeJS.ProcessEnv = process.env): Promise<TargetUser> {
	const puid = parseId(env, 'PUID');
	const pgid = parseId(env, 'PGID');
	if (puid !== undefined) {
		return {uid: puid, gid: pgid ?? puid, source: 'PUID'};
	}

	const stat = await fs.stat(home).catch((error: Error) => {
		throw new SpoolError('home_missing', `the data root ${home} cannot be read: ${error.message}; mount it there`);
	});
	if (stat.uid !== 0) {
		return {uid: stat.uid, gid: pgid ?? stat.gid, source: 'data root owner'};
	}

	return {uid: IMAGE_USER.uid, gid: pgid ?? IMAGE_USER.gid, source: 'image user'};
}

function parseId(env: NodeJS.ProcessEnv, name: 'PUID' | 'PGID'): number | undefined {
	const value = env[name];
	if (value === undefined || value.trim() === '') {
		return undefined;
	}

	if (!/^\d+$/.test(value.trim()) || Number(value) === 0 || Number(value) > 2 ** 31 - 1) {
		throw new SpoolError('invalid_env', `${name}=${JSON.stringify(value)}: expected the number of a non-root ${name === 'PUID' ? 'user' : 'group'}, such as 1000 (see "id -u" on the host)`);
	}

	return Number(value);
}
