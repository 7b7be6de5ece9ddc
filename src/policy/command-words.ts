import {parseShell, type SimpleCommand, type Word} from './shell-parse.ts';

/**
 * A simple command as a policy compares it: the program's base name (`/usr/bin/git` is `git`), then its
 * words that are not options, in order, after every wrapper that runs another command is taken off
 * (`sudo`, `env VAR=1`, `command`, `exec`, `nice`, `nohup`, `timeout 5`, `xargs`, `npx`...), after a
 * shell's `-c` string is read as commands of its own, and after git's own options (`-C dir`,
 * `--git-dir=...`, `-c key=value`) are skipped. `unreadable` says why a command cannot be judged.
 */
export type Judged =
	| {words: string[]; text: string; /** Its arguments come partly from its input (xargs): any rule of its program matches. */ openEnded?: true; /** git's `-c KEY=...` keys. */ gitConfig?: string[]}
	| {unreadable: string; text: string};

/** Reads a script a command runs (`bash x.sh`, `source x.sh`), relative to the run's cwd; undefined when it cannot. */
export type ScriptReader = (file: string) => string | undefined;

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'rbash', 'fish', 'tcsh', 'csh']);

/** Variables of spool's git guard (policy/git-guard.ts), and of credentials: no command may set or clear them. */
const GUARDED = /^(?!GIT_TRACE)(GIT_|SSH_|GCM_|GH_|GITHUB_|GITLAB_)/;

/** Commands that run a string they are given as commands of their own: where the string is. */
const RUNS_STRING: Record<string, RegExp> = {script: /^-[a-zA-Z]*c$|^--command$/, su: /^-[a-zA-Z]*c$|^--command$/, 'env -S': /^-S$/, npx: /^-c$|^--call$/, 'npm exec': /^-c$|^--call$/};

/** Wrappers, and how many words of their own (options with values) come before the command they run. */
const WRAPPERS: Record<string, {valued?: RegExp; positional?: number}> = {
	sudo: {valued: /^-(u|g|h|p|C|D|r|t|U)$/},
	builtin: {},
	flock: {valued: /^-(w|E|c)$|^--(timeout|conflict-exit-code)$/, positional: 1},
	taskset: {valued: /^-(p)$/, positional: 1},
	chrt: {positional: 1},
	busybox: {},
	'bundle exec': {},
	'uv run': {valued: /^--(with|python|project|directory)$/},
	'poetry run': {},
	'pipenv run': {},
	doas: {valued: /^-(u|C)$/},
	env: {valued: /^-(u|S|C)$|^--(unset|chdir|split-string)$/},
	command: {},
	exec: {valued: /^-a$/},
	nice: {valued: /^-n$|^--adjustment$/},
	nohup: {},
	time: {valued: /^-(f|o)$/},
	timeout: {valued: /^-(s|k)$|^--(signal|kill-after)$/, positional: 1},
	stdbuf: {valued: /^-(i|o|e)$/},
	xargs: {valued: /^-(a|d|E|e|I|i|L|l|n|P|s|--max-args|--max-procs)$/},
	ionice: {valued: /^-(c|n|p)$/},
	chronic: {},
	npx: {valued: /^-(p|c)$|^--package$/},
	bunx: {},
	uvx: {},
	pnpx: {},
	'pnpm exec': {},
	'pnpm dlx': {},
	'yarn dlx': {},
	'npm exec': {valued: /^-(p|c)$|^--package$/},
	'bun x': {},
};

/** Each command `text` runs, judged; an error of the reader makes one unreadable command. */
export function judgeCommandLine(text: string, readScript?: ScriptReader): Judged[] {
	const parsed = parseShell(text);
	if (!parsed.ok) {
		return [{unreadable: parsed.why, text}];
	}

	return parsed.commands.flatMap(command => judgeCommand(command, 0, readScript));
}

function judgeCommand(command: SimpleCommand, depth: number, readScript?: ScriptReader): Judged[] {
	const text = [...command.assignments.map(name => `${name}=...`), ...command.words.map(word => word.text)].join(' ');
	const guarded = command.assignments.find(name => GUARDED.test(name));
	if (guarded) {
		return [{unreadable: `it sets ${guarded}, which spool's git guard and the run's credentials depend on`, text}];
	}

	let words = command.words;
	let openEnded = false;
	for (let guard = 0; guard < 20; guard++) {
		const first = words[0];
		if (!first) {
			return [];
		}

		if (first.unknown) {
			return [{unreadable: `the command's name comes from an expansion ("${first.text || '$...'}"): spool cannot tell what it runs; name the program itself`, text}];
		}

		const name = baseName(first.text);
		if (['export', 'unset', 'declare', 'typeset', 'readonly', 'local', 'alias', 'shopt', 'let', 'printf', 'test', '['].includes(name)) {
			const touched = words.slice(1).find(word => GUARDED.test(word.text.replace(/^-\w*\s*/, '')) || word.text.includes('$(') || word.text.includes('`'));
			if (touched || name === 'alias' || (name === 'shopt' && words.some(word => word.text === 'expand_aliases'))) {
				return [{unreadable: `"${name}" here changes what later commands run or evaluates a command spool cannot read (${touched?.text ?? name})`, text}];
			}

			return [{words: [name, ...words.slice(1).map(word => word.text)], text}];
		}

		if (name === 'trap' && words[1]) {
			return judgeNested([words[1]], depth, text, readScript);
		}

		if (name === 'eval') {
			return judgeNested(words.slice(1), depth, text, readScript);
		}

		if ((name === 'source' || name === '.') && words.length > 1) {
			return judgeScript(name, words[1]!, depth, text, readScript);
		}

		if (name === 'watch') {
			const rest = unwrap(words.slice(1), {valued: /^-(n|d|g)$|^--(interval|differences)$/}, name);
			return judgeNested(rest, depth, text, readScript);
		}

		if (name === 'find') {
			return judgeFind(words, depth, text, readScript);
		}

		if (SHELLS.has(name)) {
			const index = words.findIndex((word, position) => position > 0 && /^-[a-zA-Z]*c[a-zA-Z]*$/.test(word.text));
			if (index !== -1) {
				const script = words[index + 1]?.text === '--' ? words[index + 2] : words[index + 1];
				if (!script) {
					return [{unreadable: `${name} -c without a command`, text}];
				}

				return judgeNested([script], depth, text, readScript);
			}

			const file = words.slice(1).find(word => !word.text.startsWith('-'));
			if (file) {
				return judgeScript(name, file, depth, text, readScript);
			}

			return [{unreadable: `${name} reads commands from its input, which spool cannot read ahead`, text}];
		}

		const twoWord = words[1] ? `${name} ${words[1].text}` : '';
		const runsString = RUNS_STRING[twoWord] ?? RUNS_STRING[name];
		const stringAt = runsString ? words.findIndex((word, position) => position > 0 && runsString.test(word.text)) : -1;
		if (stringAt !== -1) {
			return words[stringAt + 1] ? judgeNested([words[stringAt + 1]!], depth, text, readScript) : [{unreadable: `${name} without the command it runs`, text}];
		}

		if (name === 'env' && words.some(word => /^-(i|u|-unset|-ignore-environment)$/.test(word.text) || /^-\w*[iu]/.test(word.text))) {
			return [{unreadable: 'env -i / -u clears variables spool\'s git guard and the run\'s credentials depend on', text}];
		}

		if (name === 'env' && words.some(word => GUARDED.test(word.text) && word.text.includes('='))) {
			return [{unreadable: `it sets ${words.find(word => GUARDED.test(word.text))!.text.split('=')[0]}, which spool's git guard and the run's credentials depend on`, text}];
		}

		openEnded ||= name === 'xargs';
		const wrapper = WRAPPERS[twoWord] ?? WRAPPERS[name];
		if (wrapper) {
			words = unwrap(words.slice(WRAPPERS[twoWord] ? 2 : 1), wrapper, name);
			continue;
		}

		if (name === 'python' || name === 'python3') {
			const module = words.findIndex(word => word.text === '-m');
			if (module !== -1 && words[module + 1]) {
				words = words.slice(module + 1);
				continue;
			}
		}

		if (name === 'git') {
			const git = gitWords(words.slice(1));
			if ('unreadable' in git) {
				return [{unreadable: git.unreadable, text}];
			}

			return [{words: ['git', ...git.words], text, ...(openEnded ? {openEnded: true as const} : {}), ...(git.config.length > 0 ? {gitConfig: git.config} : {})}];
		}

		if (name.startsWith('git-')) {
			return [{words: ['git', name.slice(4), ...operands(name, words.slice(1))], text, ...(openEnded ? {openEnded: true as const} : {})}];
		}

		return [{words: [name, ...operands(name, words.slice(1))], text, ...(openEnded ? {openEnded: true as const} : {})}];
	}

	return [{unreadable: 'the command wraps itself too many times', text}];
}

function judgeNested(scripts: readonly Word[], depth: number, text: string, readScript?: ScriptReader): Judged[] {
	if (scripts.some(word => word.unknown) || depth > 5) {
		return [{unreadable: 'the commands it runs come from an expansion spool cannot know', text}];
	}

	const nested = parseShell(scripts.map(word => word.text).join(' '));
	if (!nested.ok) {
		return [{unreadable: nested.why, text}];
	}

	return nested.commands.flatMap(command => judgeCommand(command, depth + 1, readScript));
}

/** A script a shell runs or sources: read ahead and judged as its commands, when it can be read. */
function judgeScript(name: string, file: Word, depth: number, text: string, readScript?: ScriptReader): Judged[] {
	const script = file.unknown ? undefined : readScript?.(file.text);
	if (script === undefined) {
		return [{unreadable: `${name} runs the script ${file.text || '$...'}, which spool cannot read ahead`, text}];
	}

	return judgeNested([{text: script, unknown: false}], depth, text, readScript);
}

/** find's -exec/-execdir/-ok/-okdir run a command of their own, up to ";" or "+". */
function judgeFind(words: readonly Word[], depth: number, text: string, readScript?: ScriptReader): Judged[] {
	const judged: Judged[] = [{words: ['find'], text}];
	for (let i = 1; i < words.length; i++) {
		if (/^-(exec|execdir|ok|okdir)$/.test(words[i]!.text)) {
			const end = words.findIndex((word, position) => position > i && (word.text === ';' || word.text === '+'));
			const inner = words.slice(i + 1, end === -1 ? words.length : end);
			judged.push(...judgeCommand({words: inner, assignments: []}, depth + 1, readScript));
			i = end === -1 ? words.length : end;
		}
	}

	return judged;
}

/** git's own options and its subcommand: an option spool cannot judge (--exec-path) and every -c key are said. */
function gitWords(words: readonly Word[]): {words: string[]; config: string[]} | {unreadable: string} {
	const config: string[] = [];
	let i = 0;
	while (i < words.length && words[i]!.text.startsWith('-')) {
		const option = words[i]!.text;
		if (/^--(exec-path|config-env)/.test(option)) {
			return {unreadable: `git ${option} changes which programs git runs`};
		}

		if (option === '-c' || option.startsWith('-c')) {
			const value = option === '-c' ? words[i + 1] : {text: option.slice(2), unknown: words[i]!.unknown};
			if (!value || value.unknown) {
				return {unreadable: 'git -c with a value spool cannot know'};
			}

			config.push(value.text.split('=')[0]!.toLowerCase());
		}

		i += GIT_VALUED.test(option) ? 2 : 1;
	}

	const sub = words[i];
	if (sub?.unknown) {
		return {unreadable: `git's subcommand comes from an expansion ("${sub.text || '$...'}"): spool cannot tell what git does`};
	}

	return {words: [...(sub ? [sub.text] : []), ...words.slice(i + 1).map(word => word.text).filter(text => !text.startsWith('-'))], config};
}

/** The words after a wrapper's own options, assignments (env) and fixed operands (timeout's duration). */
function unwrap(words: readonly Word[], wrapper: {valued?: RegExp; positional?: number}, name: string): Word[] {
	let i = 0;
	let positional = wrapper.positional ?? 0;
	while (i < words.length) {
		const word = words[i]!.text;
		if (word === '--') {
			i++;
			break;
		}

		if (word.startsWith('-')) {
			i += wrapper.valued?.test(word) ? 2 : 1;
			continue;
		}

		if (name === 'env' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) {
			i++;
			continue;
		}

		if (positional > 0) {
			positional--;
			i++;
			continue;
		}

		break;
	}

	return words.slice(i);
}

/** git's options before its subcommand, with the ones that take a value. */
const GIT_VALUED = /^-(C|c)$|^--(git-dir|work-tree|namespace|exec-path|config-env|super-prefix|list-cmds)$/;

/** The words that are not options: for git, past its own options, the subcommand first. */
function operands(name: string, words: readonly Word[]): string[] {
	const texts = words.map(word => word.text);
	if (name === 'git') {
		let i = 0;
		while (i < texts.length && texts[i]!.startsWith('-')) {
			i += GIT_VALUED.test(texts[i]!) ? 2 : 1;
		}

		return [...texts.slice(i, i + 1), ...texts.slice(i + 1).filter(text => !text.startsWith('-'))];
	}

	return texts.filter(text => !text.startsWith('-'));
}

function baseName(text: string): string {
	return text.split('/').at(-1) ?? text;
}
