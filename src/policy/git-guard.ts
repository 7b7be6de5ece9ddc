import {gitObjectsOf} from './git-dir.ts';
import type {PolicyRules} from './rules.ts';

/**
 * The second line of the policy, for what the hook never sees (a script, a program that runs git): the
 * run's own environment makes git unable to commit or push, while status, diff, log and show still work.
 * - Writes of objects fail: GIT_OBJECT_DIRECTORY names /proc/sys, where no process (root included) can
 *   create a file, and the repository's real objects are read as an alternate. No commit, tree, tag or
 *   blob can be written (git add, commit, stash, notes fail); a ref can still be moved to an existing
 *   commit (reset), which the hook denies.
 * - Pushes fail: every push URL is rewritten (url.<x>.pushInsteadOf "") to a transport git does not have,
 *   and the file and ext transports are not allowed (send-pack to a path, a push that rewrites its own URL);
 *   https and ssh are left for fetching, and a push over them finds no credential.
 * - No credentials: the variables that carry a push's credentials or an ssh agent are emptied, and git
 *   never prompts.
 * Only for a run whose cwd lies in a git repository; a run elsewhere gets the push rewrite and the emptied
 * credentials alone. Checked against git 2.39 (docs/policy.md).
 */
export function gitGuardEnv(cwd: string, policy: PolicyRules): Record<string, string> {
	if (!policy.deny.some(rule => /^git( (push|commit))?$/.test(rule.trim()))) {
		return {};
	}

	const env: Record<string, string> = {
		GIT_CONFIG_COUNT: '5',
		GIT_CONFIG_KEY_0: 'url.spool-policy-denies-push://.pushInsteadOf',
		GIT_CONFIG_VALUE_0: '',
		GIT_CONFIG_KEY_1: 'core.hooksPath',
		GIT_CONFIG_VALUE_1: '/dev/null',
		// No local or external transport: send-pack to a path and a push that rewrites its own URL fail too
		// (checked with git 2.39). https and ssh stay for fetching (an npm dependency from git), and push over
		// them has no credential: no helper, no token, no ssh.
		GIT_CONFIG_KEY_2: 'protocol.file.allow',
		GIT_CONFIG_VALUE_2: 'never',
		GIT_CONFIG_KEY_3: 'credential.helper',
		GIT_CONFIG_VALUE_3: '',
		GIT_CONFIG_KEY_4: 'protocol.ext.allow',
		GIT_CONFIG_VALUE_4: 'never',
		GIT_TERMINAL_PROMPT: '0',
		GCM_INTERACTIVE: 'never',
		SSH_AUTH_SOCK: '',
		GIT_ASKPASS: '',
		SSH_ASKPASS: '',
		GH_TOKEN: '',
		GITHUB_TOKEN: '',
		GITLAB_TOKEN: '',
		GIT_SSH_COMMAND: 'false',
	};
	const objects = gitObjectsOf(cwd);
	if (objects) {
		env.GIT_OBJECT_DIRECTORY = '/proc/sys';
		env.GIT_ALTERNATE_OBJECT_DIRECTORIES = objects;
	}

	return env;
}
