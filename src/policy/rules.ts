import {judgeCommandLine, type Judged, type ScriptReader} from './command-words.ts';

/**
 * What spool denies by default: every git command that writes (history, refs, the index, the working
 * tree from history, the config), and the common tools that apply database migrations. Agents may read
 * git (status, diff, log, show, blame, branch listing) and write migration files, never apply them.
 */
export const DEFAULT_DENY = [
	// Every git command but its reading forms (GIT_READS): an allow list, so a subcommand spool does not
	// know (send-pack, stage, an alias such as "ci") is denied too.
	'git',
	'gh pr create', 'gh pr merge', 'gh release create', 'gh repo create',
	'supabase db push', 'supabase db reset', 'supabase migration up', 'supabase migration repair',
	'prisma migrate deploy', 'prisma migrate dev', 'prisma migrate reset', 'prisma db push',
	'rails db:migrate', 'rake db:migrate', 'rails db:migrate:up', 'rails db:migrate:redo', 'rails db:migrate:reset', 'rails db:setup', 'rails db:reset', 'rake db:migrate:up', 'rake db:migrate:redo',
	'alembic upgrade', 'alembic downgrade', 'php artisan migrate', 'artisan migrate',
	'knex migrate:latest', 'knex migrate:up', 'sequelize db:migrate', 'sequelize-cli db:migrate', 'typeorm migration:run',
	'drizzle-kit push', 'drizzle-kit migrate', 'flyway migrate', 'liquibase update', 'dbmate up', 'dbmate migrate', 'goose up',
	'diesel migration run', 'sqlx migrate run', 'manage.py migrate', 'django-admin migrate', 'django migrate',
];

/** git subcommands that only read (or write files of their own, such as a patch or an archive, never the repository). */
const GIT_READ_SUBCOMMANDS = new Set([
	'status', 'diff', 'log', 'show', 'blame', 'annotate', 'grep', 'ls-files', 'ls-tree', 'rev-parse', 'rev-list', 'describe', 'shortlog',
	'cat-file', 'merge-base', 'name-rev', 'diff-tree', 'diff-files', 'diff-index', 'show-ref', 'for-each-ref', 'count-objects', 'whatchanged',
	'check-ignore', 'check-attr', 'check-ref-format', 'var', 'range-diff', 'help', 'version', 'show-branch', 'cherry', 'verify-commit', 'verify-tag',
	'format-patch', 'archive', 'fsck',
]);

/** -c keys a reading git command may set: its colours and output, nothing that runs a program or moves a push. */
const SAFE_GIT_CONFIG = /^(color\.|log\.|format\.|status\.|advice\.|column\.|core\.quotepath$|diff\.(renames|algorithm|noprefix|mnemonicprefix|relative|context|statgraphwidth)$)/;

/** The reading forms of git: the read-only subcommands, and the listing forms of those that also write. */
function gitReads(words: readonly string[], text: string): boolean {
	const [, sub, ...rest] = words;
	if (sub === undefined) {
		return true; // `git` alone, `git --version`: its help.
	}

	if (GIT_READ_SUBCOMMANDS.has(sub)) {
		return true;
	}

	const has = (pattern: RegExp) => pattern.test(text);
	switch (sub) {
		case 'branch': {
			return !has(/\s-(d|D|m|M|c|C|f|u)\b|--(delete|move|copy|force|set-upstream|set-upstream-to|unset-upstream|edit-description|track|create-reflog)/) && (rest.length === 0 || has(/\s(--list|-l|--contains|--no-contains|--merged|--no-merged|--points-at|--show-current|-a|-r|--all|--remotes)\b/));
		}

		case 'tag': {
			return rest.length === 0 || has(/\s(-l|--list|--contains|--no-contains|--points-at|--merged|--no-merged)\b/);
		}

		case 'config': {
			return has(/\s--(get|get-all|get-regexp|get-urlmatch|list|show-origin|show-scope)\b|\s-l\b/) || (rest.length === 1 && !has(/\s--(add|unset|unset-all|replace-all|rename-section|remove-section|edit)\b|\s-e\b/));
		}

		case 'remote': {
			return rest.length === 0 || rest[0] === 'show' || rest[0] === 'get-url';
		}

		case 'stash': {
			return rest[0] === 'list' || rest[0] === 'show';
		}

		case 'worktree': {
			return rest[0] === 'list';
		}

		case 'apply': {
			return has(/\s--(check|stat|numstat|summary)\b/) && !has(/\s--(index|cached|apply|3way)\b/);
		}

		case 'add': {
			return has(/\s(--dry-run|-n)\b/);
		}

		case 'reflog': {
			return rest.length === 0 || rest[0] === 'show';
		}

		case 'notes': {
			return rest.length === 0 || rest[0] === 'list' || rest[0] === 'show';
		}

		case 'submodule': {
			return rest[0] === 'status' || rest[0] === 'summary';
		}

		case 'lfs': {
			return rest[0] === 'ls-files' || rest[0] === 'status';
		}

		default: {
			return false;
		}
	}
}

/** Programs that run the file named after them: `python manage.py migrate` is `manage.py migrate`. */
const INTERPRETERS = new Set(['python', 'python3', 'ruby', 'node', 'php', 'perl', 'bun', 'deno']);

export type PolicyRules = {deny: readonly string[]; ask: readonly string[]; onViolation: 'deny' | 'halt'};

/** What the policy says about one tool call's Bash command line: the first rule any of its commands breaks. */
export type Verdict =
	| {kind: 'allow'}
	| {kind: 'deny'; rule: string; command: string; why: string}
	| {kind: 'ask'; rule: string; command: string};

export function judge(commandLine: string, rules: PolicyRules, readScript?: ScriptReader): Verdict {
	const judged = judgeCommandLine(commandLine, readScript);
	let ask: Verdict | undefined;
	for (const command of judged) {
		if ('unreadable' in command) {
			return {kind: 'deny', rule: 'unreadable', command: command.text, why: `spool's policy cannot read this command (${command.unreadable}), so it is not run`};
		}

		const unsafe = command.words[0] === 'git' ? command.gitConfig?.find(key => !SAFE_GIT_CONFIG.test(key)) : undefined;
		if (unsafe && rules.deny.some(rule => rule.split(/\s+/)[0] === 'git')) {
			return {kind: 'deny', rule: 'git -c', command: command.text, why: `"${command.text}" is denied by spool's policy (rule "git -c"): git -c ${unsafe} can run a program or redirect a push`};
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
	// xargs adds arguments from its input: any rule of the program it runs may be what it runs.
	if (!command.openEnded && command.words[0] === 'git' && gitReads(command.words, ` ${command.text}`)) {
		return undefined;
	}

	for (const rule of rules) {
		const ruleWords = rule.trim().split(/\s+/);
		const program = ruleWords[0]!.split('/').at(-1)!;
		if (command.words[0] === program && (command.openEnded || ruleWords.slice(1).every((word, index) => command.words[index + 1] === word))) {
			return rule;
		}

		// "manage.py migrate" also as `python manage.py migrate`.
		if (INTERPRETERS.has(command.words[0]!) && command.words[1]?.split('/').at(-1) === program && ruleWords.slice(1).every((word, index) => command.words[index + 2] === word)) {
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
