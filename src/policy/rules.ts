import {judgeCommandLine, type Judged} from './command-words.ts';

/**
 * What spool denies by default: every git command that writes (history, refs, the index, the working
 * tree from history, the config), and the common tools that apply database migrations. Agents may read
 * git (status, diff, log, show, blame, branch listing) and write migration files, never apply them.
 */
export const DEFAULT_DENY = [
	...['add', 'commit', 'push', 'pull', 'merge', 'rebase', 'reset', 'revert', 'cherry-pick', 'am', 'apply', 'tag', 'checkout', 'switch', 'restore', 'stash', 'worktree', 'config', 'rm', 'mv', 'clean', 'gc', 'prune', 'notes', 'update-ref', 'update-index', 'symbolic-ref', 'filter-branch', 'filter-repo', 'replace', 'fast-import', 'remote', 'submodule', 'branch', 'init', 'clone', 'fetch', 'bisect', 'commit-tree', 'read-tree', 'write-tree', 'hash-object', 'send-email', 'request-pull', 'lfs'].map(sub => `git ${sub}`),
	'gh pr create', 'gh pr merge', 'gh release create', 'gh repo create',
	'supabase db push', 'supabase db reset', 'supabase migration up', 'supabase migration repair',
	'prisma migrate deploy', 'prisma migrate dev', 'prisma migrate reset', 'prisma db push',
	'rails db:migrate', 'rake db:migrate', 'bin/rails db:migrate', 'alembic upgrade', 'alembic downgrade',
	'knex migrate:latest', 'knex migrate:up', 'sequelize db:migrate', 'sequelize-cli db:migrate', 'typeorm migration:run',
	'drizzle-kit push', 'drizzle-kit migrate', 'flyway migrate', 'liquibase update', 'dbmate up', 'dbmate migrate', 'goose up',
	'diesel migration run', 'sqlx migrate run', 'manage.py migrate', 'django-admin migrate',
];

/** Reading forms of commands the default list names: `git branch` alone lists, `git config --get` reads, `git remote -v` lists. */
const READS: Array<(words: readonly string[], text: string) => boolean> = [
	(words, text) => words[0] === 'git' && words[1] === 'branch' && words.length === 2 && !/\s-(d|D|m|M|c|C|f)\b|--(delete|move|copy|force|set-upstream|unset-upstream|edit-description)/.test(text),
	(words, text) => words[0] === 'git' && words[1] === 'config' && /\s--(get|get-all|get-regexp|list|show-origin)\b|\s-l\b/.test(text),
	(words, text) => words[0] === 'git' && words[1] === 'remote' && (words.length === 2 || words[2] === 'show' || words[2] === 'get-url'),
	(words, text) => words[0] === 'git' && words[1] === 'stash' && (words[2] === 'list' || words[2] === 'show'),
	(words, text) => words[0] === 'git' && words[1] === 'worktree' && words[2] === 'list',
	(words, text) => words[0] === 'git' && words[1] === 'tag' && (words.length === 2 || /\s(-l|--list)\b/.test(text)),
	(words, text) => words[0] === 'git' && words[1] === 'apply' && /\s--(check|stat|numstat|summary)\b/.test(text) && !/\s--(index|cached|apply)\b/.test(text),
	(words, text) => words[0] === 'git' && words[1] === 'lfs' && (words[2] === 'ls-files' || words[2] === 'status'),
];

export type PolicyRules = {deny: readonly string[]; ask: readonly string[]; onViolation: 'deny' | 'halt'};

/** What the policy says about one tool call's Bash command line: the first rule any of its commands breaks. */
export type Verdict =
	| {kind: 'allow'}
	| {kind: 'deny'; rule: string; command: string; why: string}
	| {kind: 'ask'; rule: string; command: string};

export function judge(commandLine: string, rules: PolicyRules): Verdict {
	const judged = judgeCommandLine(commandLine);
	let ask: Verdict | undefined;
	for (const command of judged) {
		if ('unreadable' in command) {
			return {kind: 'deny', rule: 'unreadable', command: command.text, why: `spool's policy cannot read this command (${command.unreadable}), so it is not run`};
		}

		const denied = matchRule(command, rules.deny);
		if (denied) {
			return {kind: 'deny', rule: denied, command: command.text, why: `"${command.text}" is denied by spool's policy (rule "${denied}"): agents do not ${describeRule(denied)}; a person does that after reviewing the work`};
		}

		const asked = matchRule(command, rules.ask);
		ask ??= asked ? {kind: 'ask', rule: asked, command: command.text} : undefined;
	}

	return ask ?? {kind: 'allow'};
}

/** The rule a command matches: its words start with the rule's words (the rule's first word a program name or path end). */
export function matchRule(command: Extract<Judged, {words: string[]}>, rules: readonly string[]): string | undefined {
	if (READS.some(reads => reads(command.words, ` ${command.text}`))) {
		return undefined;
	}

	for (const rule of rules) {
		const ruleWords = rule.trim().split(/\s+/);
		const program = ruleWords[0]!.split('/').at(-1)!;
		if (command.words[0] === program && ruleWords.slice(1).every((word, index) => command.words[index + 1] === word)) {
			return rule;
		}

		// "manage.py migrate" also as `python manage.py migrate`.
		if (command.words[1] !== undefined && command.words[1].split('/').at(-1) === program && ruleWords.slice(1).every((word, index) => command.words[index + 2] === word)) {
			return rule;
		}
	}

	return undefined;
}

function describeRule(rule: string): string {
	if (rule.startsWith('git ')) {
		return 'change git history, refs, the index or the config';
	}

	return `run ${rule.split(' ')[0]} this way (it applies changes beyond the files of the task)`;
}
