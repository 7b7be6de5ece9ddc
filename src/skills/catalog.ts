import fs from 'node:fs/promises';
import path from 'node:path';
import type {TaskError} from '../queue/error-codes.ts';

/** A skill found in skills.dir: its name (the folder's) and the folder's real path. */
export type Skill = {name: string; dir: string};

/** The file that makes a folder of skills.dir a skill, as Claude Code reads it. */
export const SKILL_FILE = 'SKILL.md';

/** The skills in `dir`: each folder (or link to one) that holds a SKILL.md, by name. A missing `dir` lists none. */
export async function listSkills(dir: string): Promise<string[]> {
	const entries = await fs.readdir(dir).catch(() => [] as string[]);
	const found = await Promise.all(entries.filter(name => !name.startsWith('.')).map(async name => ((await isFile(path.join(dir, name, SKILL_FILE))) ? name : undefined)));
	return found.filter(name => name !== undefined).sort();
}

/**
 * The skill a task names, checked at claim time against skills.dir as it is then: none configured, a
 * missing folder and an unknown name are each `unknown_skill`, the message naming the skills there are.
 */
export async function findSkill(dir: string | undefined, name: string): Promise<Skill | TaskError> {
	if (dir === undefined) {
		return {code: 'unknown_skill', message: `skill: ${JSON.stringify(name)}: spool.yaml has no skills.dir, so no skill can be named; add skills: {dir: FOLDER} (a folder of NAME/SKILL.md)`};
	}

	const stat = await fs.stat(dir).catch(() => undefined);
	if (!stat?.isDirectory()) {
		return {code: 'unknown_skill', message: `skill: ${JSON.stringify(name)}: skills.dir ${dir} is not a folder (${stat ? 'not a directory' : 'it does not exist'})`};
	}

	const folder = path.join(dir, name);
	if (await isFile(path.join(folder, SKILL_FILE))) {
		return {name, dir: await fs.realpath(folder)};
	}

	const known = await listSkills(dir);
	return {code: 'unknown_skill', message: `skill: ${JSON.stringify(name)} is not a skill of ${dir} (no ${name}/${SKILL_FILE}); the skills there: ${known.length > 0 ? known.join(', ') : 'none'}`};
}

async function isFile(file: string): Promise<boolean> {
	return (await fs.stat(file).catch(() => undefined))?.isFile() === true;
}
