import {parseShell, type SimpleCommand, type Word} from './shell-parse.ts';

/**
 * A simple command as a policy compares it: the program's base name (`/usr/bin/git` is `git`), then its
 * words that are not options, in order, after every wrapper that runs another command is taken off
 * (`sudo`, `env VAR=1`, `command`, `exec`, `nice`, `nohup`, `timeout 5`, `xargs`, `npx`...), after a
 * shell's `-c` string is read as commands of its own, and after git's own options (`-C dir`,
 * `--git-dir=...`, `-c key=value`) are skipped. `unreadable` says why a command cannot be judged.
 */
export type Judged = {words: string[]; text: string} | {unreadable: string; text: string};

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash']);

/** Wrappers, and how many words of their own (options with values) come before the command they run. */
const WRAPPERS: Record<string, {valued?: RegExp; positional?: number}> = {
	sudo: {valued: /^-(u|g|h|p|C|D|r|t|U)$/},
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
export function judgeCommandLine(text: string): Judged[] {
	const parsed = parseShell(text);
	if (!parsed.ok) {
		return [{unreadable: parsed.why, text}];
	}

	return parsed.commands.flatMap(command => judgeCommand(command, 0));
}

function judgeCommand(command: SimpleCommand, depth: number): Judged[] {
	const text = command.words.map(word => word.text).join(' ');
	let words = command.words;
	for (let guard = 0; guard < 20; guard++) {
		const first = words[0];
		if (!first) {
			return [];
		}

		if (first.unknown) {
			return [{unreadable: `the command's name comes from an expansion ("${first.text || '$...'}"): spool cannot tell what it runs; name the program itself`, text}];
		}

		const name = baseName(first.text);
		if (name === 'eval' || ((name === 'source' || name === '.') && words.length > 1)) {
			if (name !== 'eval') {
				return [{unreadable: `"${name}" runs the commands of a file spool cannot read ahead`, text}];
			}

			return judgeNested(words.slice(1), depth, text);
		}

		if (SHELLS.has(name)) {
			const index = words.findIndex((word, position) => position > 0 && /^-[a-z]*c[a-z]*$/.test(word.text));
			if (index !== -1) {
				const script = words[index + 1];
				if (!script) {
					return [{unreadable: `${name} -c without a command`, text}];
				}

				return judgeNested([script], depth, text);
			}

			if (words.length > 1 && !words[1]!.text.startsWith('-')) {
				return [{unreadable: `${name} runs the script ${words[1]!.text}, which spool cannot read ahead`, text}];
			}

			return [{unreadable: `${name} reads commands from its input, which spool cannot read ahead`, text}];
		}

		const twoWord = words[1] ? `${name} ${words[1].text}` : '';
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

		return [{words: [name, ...operands(name, words.slice(1))], text}];
	}

	return [{unreadable: 'the command wraps itself too many times', text}];
}

function judgeNested(scripts: readonly Word[], depth: number, text: string): Judged[] {
	if (scripts.some(word => word.unknown) || depth > 5) {
		return [{unreadable: 'the commands it runs come from an expansion spool cannot know', text}];
	}

	const nested = parseShell(scripts.map(word => word.text).join(' '));
	if (!nested.ok) {
		return [{unreadable: nested.why, text}];
	}

	return nested.commands.flatMap(command => judgeCommand(command, depth + 1));
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
