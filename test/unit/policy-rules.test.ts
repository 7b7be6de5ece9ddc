import {describe, expect, test} from 'vitest';
import {decisionOf} from '../../src/ask/answer.ts';
import {DEFAULT_DENY, judge} from '../../src/policy/rules.ts';

const rules = {deny: DEFAULT_DENY, ask: ['npm publish'], onViolation: 'deny' as const};
const verdict = (line: string) => {
	const result = judge(line, rules);
	return result.kind === 'allow' ? 'allow' : `${result.kind}${result.kind === 'deny' && result.rule === 'unreadable' ? ' (unreadable)' : ''}`;
};

describe('every form of a forbidden command is seen', () => {
	test.each([
		['git push', 'deny'],
		['git push origin main', 'deny'],
		['git commit -m "x"', 'deny'],
		['git add -A && git commit -m x', 'deny'],
		['echo hi; git push', 'deny'],
		['false || git push', 'deny'],
		['git status | git push', 'deny'],
		['echo $(git push)', 'deny'],
		['echo "$(git push)"', 'deny'],
		['echo `git push`', 'deny'],
		['(git push)', 'deny'],
		['{ git push; }', 'deny'],
		['bash -c "git push"', 'deny'],
		["sh -c 'git commit -am x'", 'deny'],
		['bash -lc "cd /tmp && git push"', 'deny'],
		['env GIT_DIR=.git git push', 'deny'],
		['GIT_TRACE=1 git push', 'deny'],
		['sudo git push', 'deny'],
		['sudo -u root git push', 'deny'],
		['command git push', 'deny'],
		['exec git push', 'deny'],
		['echo origin | xargs git push', 'deny'],
		['xargs -n 1 git push < remotes', 'deny'],
		['/usr/bin/git push', 'deny'],
		['git -C /tmp/repo push', 'deny'],
		['git --git-dir=/tmp/repo/.git push', 'deny'],
		['git -c user.name=x commit -m y', 'deny'],
		['nice -n 5 git push', 'deny'],
		['timeout 10 git push', 'deny'],
		['if true; then git push; fi', 'deny'],
		['for r in a b; do git push $r; done', 'deny'],
		['while false; do :; done; git tag v1', 'deny'],
		['f() { git push; }; f', 'deny'],
		['eval "git push"', 'deny'],
		['git stash', 'deny'],
		['git reset --hard HEAD~1', 'deny'],
		['git checkout -- src/a.ts', 'deny'],
		['git branch -D main', 'deny'],
		['git config user.name x', 'deny'],
		['npx supabase db push', 'deny'],
		['supabase db push --linked', 'deny'],
		['npx prisma migrate deploy', 'deny'],
		['python manage.py migrate', 'deny'],
		['python -m alembic upgrade head', 'deny'],
		// Fails closed: what it cannot read is not run.
		['$GIT push', 'deny (unreadable)'],
		['$(echo git) push', 'deny (unreadable)'],
		["echo 'unclosed", 'deny (unreadable)'],
		['bash script.sh', 'deny (unreadable)'],
		['bash <<EOF\ngit push\nEOF', 'deny (unreadable)'],
		['eval "$CMD"', 'deny (unreadable)'],
		['source ./deploy.sh', 'deny (unreadable)'],
	])('%s: %s', (line, expected) => {
		expect(verdict(line)).toBe(expected);
	});
});

describe('what agents may do still runs', () => {
	test.each([
		['git status'],
		['git diff --stat'],
		['git log --oneline -5'],
		['git show HEAD'],
		['git blame src/a.ts'],
		['git branch'],
		['git branch -a'],
		['git config --get user.name'],
		['git remote -v'],
		['git stash list'],
		['git apply --check fix.patch'],
		['cd /tmp && git status'],
		['npm test'],
		['ls -la | grep x'],
		['echo "git push is denied"'],
		["grep -r 'git commit' docs/"],
		['cat <<EOF > notes.md\ngit push\nEOF'],
		['npx prisma migrate diff'],
		['mkdir -p migrations && echo "create table x" > migrations/001.sql'],
		['for f in *.ts; do echo $f; done'],
		['VAR=1 npm run build'],
		['node -e "console.log(1)"'],
	])('%s', line => {
		expect(verdict(line)).toBe('allow');
	});

	test('a rule of the ask list asks; a deny in the same line wins', () => {
		expect(verdict('npm publish --access public')).toBe('ask');
		expect(verdict('npm publish && git push')).toBe('deny');
	});
});

describe("a person's answer to an approval", () => {
	test.each([
		['approve', {decision: 'allow'}],
		['yes', {decision: 'allow'}],
		['OK!', {decision: 'allow'}],
		['lgtm', {decision: 'allow'}],
		['approve, but be careful', {decision: 'allow'}],
		['deny', {decision: 'deny', why: 'no reason given'}],
		['no: we publish on Fridays', {decision: 'deny', why: 'we publish on Fridays'}],
		["don't, the registry is down", {decision: 'deny', why: 'the registry is down'}],
		['maybe later', undefined],
		['', undefined],
	])('%s', (text, expected) => {
		expect(decisionOf(text)).toEqual(expected);
	});
});
