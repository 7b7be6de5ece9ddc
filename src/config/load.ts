import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {parse as parseYaml} from 'yaml';
import {SpoolError} from '../errors.ts';
import {configSchema, type AskConfig, type PolicyConfig, type BudgetConfig, type LimitsConfig, type NotifyConfig, type OrchestratorConfig, type ReportConfig, type SandboxConfig, type QueueConfig, type QuotaConfig, type RepoConfig, type SkillsConfig, type UiConfig, type WorkerConfig} from './schema.ts';
import {formatIssues, scrubConfigText} from './format-issues.ts';
import {createLayout} from '../queue/layout.ts';
import {codePaths, isAtOrInside, protectedPaths} from '../sandbox/protected-paths.ts';

export type Config = Readonly<{
	/** The spool home: the folder that holds spool.yaml, tasks/, results/... */
	home: string;
	file: string;
	claudeBin: string;
	queue: Readonly<QueueConfig>;
	cwdRoots: readonly string[];
	workers: Readonly<Record<string, Readonly<WorkerConfig>>>;
	/** The planner's settings; `prompt` is an absolute path. */
	orchestrator: Readonly<OrchestratorConfig>;
	/** The daily budget; `timezone` is resolved (the machine's zone when spool.yaml names none). */
	budget: Readonly<BudgetConfig & {timezone: string; /** spool.yaml names no zone: the machine's is used, which a container's may not be. */ timezoneFromMachine: boolean}>;
	quota: Readonly<QuotaConfig>;
	limits: Readonly<LimitsConfig>;
	/** Notifications (docs/notify.md); undefined when spool.yaml has no notify section. */
	notify: Readonly<NotifyConfig> | undefined;
	ask: Readonly<AskConfig>;
	policy: Readonly<PolicyConfig>;
	/** The sandbox of every run (docs/sandbox.md); allowWrite folders absolute, `~` expanded. */
	sandbox: Readonly<SandboxConfig>;
	report: Readonly<ReportConfig>;
	/** The repositories tasks may name (docs/repos.md); each `path` absolute. */
	repos: Readonly<Record<string, Readonly<RepoConfig>>>;
	/** The dashboard's address (docs/ui.md); false when `spool up` is not to start it. */
	ui: Readonly<UiConfig> | false;
	/** Skills (docs/skills.md); `dir` is absolute, `~` expanded. Undefined when spool.yaml has no skills section. */
	skills: Readonly<SkillsConfig> | undefined;
}>;

const PACKAGE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The spool home: SPOOL_HOME, else the current directory. */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
	return path.resolve(env.SPOOL_HOME || process.cwd());
}

/** Reads, validates and freezes SPOOL_HOME/spool.yaml. Every error names the file, the field and the value. */
export function loadConfig(home = resolveHome(), env: NodeJS.ProcessEnv = process.env): Config {
	const file = path.join(home, 'spool.yaml');
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (error) {
		throw new SpoolError('config_missing', `${file}: cannot read the config (${(error as Error).message}); run "spool init" to create a spool home`);
	}

	let raw: unknown;
	try {
		raw = parseYaml(text) ?? {};
	} catch (error) {
		// The message quotes the line: one that holds a bot token or a webhook URL must not reach a log.
		throw new SpoolError('config_invalid', `${file}: not valid YAML: ${scrubConfigText((error as Error).message)}`);
	}

	const parsed = configSchema.safeParse(raw);
	if (!parsed.success) {
		const lines = formatIssues(parsed.error, raw).map(line => `  ${line}`);
		throw new SpoolError('config_invalid', `${file}: invalid config\n${lines.join('\n')}`);
	}

	const {claude, queue, cwdRoots, workers, orchestrator, budget, quota, limits, ask, report, notify, policy, sandbox, repos, skills, ui} = parsed.data;
	const resolved: Record<string, WorkerConfig> = {};
	for (const [name, worker] of Object.entries(workers)) {
		const own = worker.sandbox?.allowWrite && {...worker.sandbox, allowWrite: checkAllowWrite(worker.sandbox.allowWrite, `workers.${name}.sandbox.allowWrite`, home, file, env)};
		resolved[name] = Object.freeze({...worker, ...(own ? {sandbox: own} : {}), name, prompt: path.resolve(home, worker.prompt ?? `prompts/${name}.md`)});
	}

	return Object.freeze({
		home,
		file,
		claudeBin: env.SPOOL_CLAUDE_BIN || (claude.bin ? path.resolve(home, claude.bin) : defaultClaudeBin()),
		queue: Object.freeze(queue),
		cwdRoots: Object.freeze(cwdRoots.map(root => path.resolve(home, root))),
		workers: Object.freeze(resolved),
		orchestrator: Object.freeze({...orchestrator, prompt: path.resolve(home, orchestrator.prompt)}),
		budget: Object.freeze({...budget, timezone: budget.timezone ?? machineTimezone(), timezoneFromMachine: budget.timezone === undefined}),
		quota: Object.freeze(quota),
		limits: Object.freeze(limits),
		notify: notify && Object.freeze(notify),
		ask: Object.freeze(ask),
		policy: Object.freeze(policy),
		sandbox: Object.freeze({...sandbox, allowWrite: checkAllowWrite(sandbox.allowWrite, 'sandbox.allowWrite', home, file, env)}),
		report: Object.freeze(report),
		repos: Object.freeze(Object.fromEntries(Object.entries(repos).map(([name, repo]) => [name, Object.freeze({...repo, path: path.resolve(home, repo.path)})]))),
		skills: skills && Object.freeze({dir: expandHome(skills.dir, home, env)}),
		ui: ui && Object.freeze(ui),
	});
}

/**
 * allowWrite folders made absolute, and real where a link leads elsewhere. One that is or holds spool's
 * state, configuration or code (every entry of the home but workspaces/, the auth homes, spool's own
 * install) would undo the sandbox, and is refused.
 */
function checkAllowWrite(folders: readonly string[], field: string, home: string, file: string, env: NodeJS.ProcessEnv): string[] {
	const layout = createLayout(home);
	const denied = [...protectedPaths(layout, file), ...codePaths('')];
	return folders.map((folder, index) => {
		const absolute = expandHome(folder, home, env);
		const real = realOrSelf(absolute);
		const refuse = (why: string) => new SpoolError('config_invalid', `${file}: invalid config\n  ${field}[${index}]: ${JSON.stringify(folder)} ${why}, which no run may write; name a folder of your own (outside the home, or under workspaces/)`);
		for (const candidate of new Set([absolute, real])) {
			const hit = denied.find(protectedPath => isAtOrInside(candidate, protectedPath));
			if (hit !== undefined) {
				throw refuse(`is spool's own ${path.relative(home, hit).startsWith('..') ? hit : path.relative(home, hit) || hit}`);
			}

			if (isAtOrInside(home, candidate) || isAtOrInside(layout.workspacesRoot, candidate)) {
				throw refuse('holds the spool home or its workspaces/');
			}
		}

		return real;
	});
}

function realOrSelf(file: string): string {
	try {
		return fs.realpathSync(file);
	} catch {
		return file;
	}
}

/** Looks the worker up, or says which workers exist. */
export function getWorker(config: Config, name: string): Readonly<WorkerConfig> {
	const worker = config.workers[name];
	if (!worker) {
		throw new SpoolError('unknown_worker', `no worker named "${name}" in ${config.file} (workers: ${Object.keys(config.workers).join(', ')})`);
	}

	return worker;
}

/** `~` or `~/x` is under the user's home ($HOME); any other relative path is relative to the spool home. */
export function expandHome(file: string, home: string, env: NodeJS.ProcessEnv = process.env): string {
	if (file === '~' || file.startsWith('~/')) {
		return path.join(env.HOME || os.homedir(), file.slice(1));
	}

	return path.resolve(home, file);
}

function defaultClaudeBin(): string {
	const local = path.join(PACKAGE_ROOT, 'node_modules', '.bin', 'claude');
	return fs.existsSync(local) ? local : 'claude';
}

/** The zone this process runs in; UTC when it has none the runtime knows (an empty or unknown TZ reads as "Etc/Unknown"). */
function machineTimezone(): string {
	const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
	try {
		new Intl.DateTimeFormat('en-CA', {timeZone: zone});
		return zone || 'UTC';
	} catch {
		return 'UTC';
	}
}
