import fs from 'node:fs/promises';
import path from 'node:path';
import type {Skill} from './catalog.ts';

/**
 * Gives one run its skill the way Claude Code finds skills, without writing into the task's cwd (a
 * repository's worktree, whose diff must stay clean): `mount/.claude/skills/NAME` is a copy of the skill's
 * folder (not a link: an agent allowed to edit files could otherwise change the person's own skill
 * through it), and the run gets `--add-dir mount`. claude 2.1.329 lists a skill of an added directory's
 * .claude/skills/ with the Skill tool and loads it on `/NAME` (checked with an isolated CLAUDE_CONFIG_DIR;
 * docs/skills.md). Made afresh for each run, so a renamed or edited skill is the one used.
 */
export async function mountSkill(mount: string, skill: Skill): Promise<string> {
	const skills = path.join(mount, '.claude', 'skills');
	await fs.rm(mount, {recursive: true, force: true});
	await fs.mkdir(skills, {recursive: true, mode: 0o700});
	// Links inside the skill are copied as links; a skill folder is templates and text, a few KB.
	await fs.cp(skill.dir, path.join(skills, skill.name), {recursive: true, verbatimSymlinks: true});
	return mount;
}

/** Removes a run's mount once it ended; a mount that is gone already is fine. */
export async function unmountSkill(mount: string): Promise<void> {
	await fs.rm(mount, {recursive: true, force: true}).catch(() => undefined);
}

/**
 * The prompt of a run with a skill: `/NAME PROMPT`, the way a person invokes a skill. claude expands it
 * before the first model call (the skill's SKILL.md body in the turn, the prompt as its arguments), so
 * the skill is used even in simple mode, where no Skill tool exists.
 */
export function skillPrompt(name: string, prompt: string): string {
	return `/${name} ${prompt}`;
}
