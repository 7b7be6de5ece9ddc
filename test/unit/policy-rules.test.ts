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
		['env GIT_DIR=.git git push', 'deny (unreadable)'],
		['GIT_TRACE=1 git push', 'deny'],
		// Found by a review: each of these ran git push or commit in real bash.
		['GIT_OBJECT_DIRECTORY=/tmp/o git stage -A', 'deny (unreadable)'],
		['GIT_CONFIG_COUNT=0 git status', 'deny (unreadable)'],
		['export GIT_CONFIG_COUNT=0; git status', 'deny (unreadable)'],
		['unset GIT_OBJECT_DIRECTORY', 'deny (unreadable)'],
		['env -u GIT_OBJECT_DIRECTORY git status', 'deny (unreadable)'],
		['env -i PATH=/usr/bin git status', 'deny (unreadable)'],
		['git send-pack ../remote.git main', 'deny'],
		['git stage -A', 'deny'],
		['git ci -m x', 'deny'],
		['git http-push url main', 'deny'],
		['git reflog expire --all', 'deny'],
		['git-commit -m x', 'deny'],
		['/usr/lib/git-core/git-push origin', 'deny'],
		['s=push; git $s', 'deny (unreadable)'],
		['git $x push', 'deny (unreadable)'],
		['git $(:) push', 'deny (unreadable)'],
		["git $'\\x70ush'", 'deny (unreadable)'],
		['git -c alias.x=push x', 'deny'],
		['git -c url.R.pushInsteadOf=R push R', 'deny'],
		['git -c core.fsmonitor=evil status', 'deny'],
		['git --exec-path=/tmp status', 'deny (unreadable)'],
		['cat <<EOF\n$(git push)\nEOF', 'deny (unreadable)'],
		["echo $'\\' '; git push; #'", 'deny'],
		['echo $(( $(git push) ))', 'deny (unreadable)'],
		['echo ${x@P}', 'deny (unreadable)'],
		["let 'a[$(git push)]=1'", 'deny (unreadable)'],
		['function f { git push; }; f', 'deny'],
		['coproc X { git push; }', 'deny'],
		['shopt -s expand_aliases; alias p="git push"', 'deny (unreadable)'],
		['echo push | xargs git', 'deny'],
		['xargs -I{} git {} < cmds', 'deny'],
		['find . -maxdepth 0 -exec git push \\;', 'deny'],
		['flock /tmp/l git push', 'deny'],
		['taskset 1 git push', 'deny'],
		["trap 'git push' EXIT", 'deny'],
		["env -S 'git push'", 'deny'],
		['builtin command git push', 'deny'],
		["bash -c -- 'git push'", 'deny'],
		["script -qc 'git push' /dev/null", 'deny'],
		["su -c 'git push' root", 'deny'],
		['watch git push', 'deny'],
		['busybox sh -c "git push"', 'deny'],
		['bundle exec rails db:migrate', 'deny'],
		['uv run python manage.py migrate', 'deny'],
		['php artisan migrate', 'deny'],
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
		['git config user.name'],
		["git branch --list 'x*'"],
		['git branch --contains HEAD'],
		['git tag --contains HEAD'],
		['git add --dry-run .'],
		['GIT_TRACE=1 git status'],
		['git -c color.ui=never diff'],
		['[[ "$x" == a ]] && echo yes'],
		['[[ $x == a ]]'],
		['for ((i=0; i<3; i++)); do echo $i; done'],
		['(( n > 1 )) && echo big'],
		['echo git push'],
		['rg -n git push src'],
		['man git commit'],
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
