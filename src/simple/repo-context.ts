import fs from 'node:fs/promises';
import path from 'node:path';
import {git as runGit} from '../repos/git.ts';

/** How much of a repository a simple-mode prompt carries: a model that has no tools sees only this. */
export const CONTEXT_LIMITS = {
	/** Paths of the file tree at most; the rest is counted, not listed. */
	entries: 500,
	/** Bytes of the whole context at most (tree, README and manifests). */
	bytes: 200 * 1024,
	/** Bytes of one file (a README, a manifest) at most; the rest is cut with a marker. */
	fileBytes: 64 * 1024,
} as const;

/** The manifests that say what a repository is built with, in this order. */
export const MANIFESTS = ['package.json', 'pyproject.toml', 'setup.py', 'requirements.txt', 'Cargo.toml', 'go.mod', 'Gemfile', 'pom.xml', 'build.gradle', 'build.gradle.kts', 'composer.json', 'mix.exs', 'deno.json'] as const;

/** Folders a walk never enters (when the cwd is no git repository): tools', dependencies' and builds'. */
const SKIPPED = new Set(['.git', 'node_modules', '.venv', 'venv', '__pycache__', 'target', 'dist', 'build', '.next', '.cache']);

/**
 * What a simple-mode run is told about its cwd, since it cannot look: the file tree (`git ls-files`
 * in a repository, else a walk), its README and its package manifests, within CONTEXT_LIMITS.
 */
export async function buildRepoContext(cwd: string, limits: {entries: number; bytes: number; fileBytes: number} = CONTEXT_LIMITS): Promise<string> {
	const files = await listFiles(cwd);
	const shown = files.slice(0, limits.entries);
	const tree = [...shown, ...(files.length > shown.length ? [`... and ${files.length - shown.length} more files`] : [])].join('\n');
	const readme = files.find(file => /^readme(\.[a-z]+)?$/i.test(file));
	const parts = [`# The repository (${path.basename(cwd)})\n\n## Files (${files.length})\n\n${tree}`];
	let left = limits.bytes - Buffer.byteLength(parts[0]!);
	for (const file of [readme, ...MANIFESTS.filter(name => files.includes(name))]) {
		if (file === undefined || left <= 0) {
			continue;
		}

		const text = await readCapped(path.join(cwd, file), Math.min(limits.fileBytes, left));
		if (text !== undefined) {
			const part = `## ${file}\n\n${text}`;
			parts.push(part);
			left -= Buffer.byteLength(part);
		}
	}

	return cutToBytes(parts.join('\n\n'), limits.bytes);
}

/** The repository's tracked and untracked (not ignored) files, else every file found by a walk; sorted. */
async function listFiles(cwd: string): Promise<string[]> {
	// spool's plain git (repos/git.ts): not execa, which a worker would otherwise load (110 modules) for this one call.
	const git = await runGit(cwd, ['ls-files', '--cached', '--others', '--exclude-standard', '-z']);
	if (git.code === 0) {
		return [...new Set(git.stdout.split('\0').filter(Boolean))].sort();
	}

	const found: string[] = [];
	await walk(cwd, '', found);
	return found.sort();
}

async function walk(root: string, relative: string, found: string[]): Promise<void> {
	// A walk stops well past what the prompt can show, so a huge folder costs no more than that.
	if (found.length > 10 * CONTEXT_LIMITS.entries) {
		return;
	}

	const entries = await fs.readdir(path.join(root, relative), {withFileTypes: true}).catch(() => []);
	for (const entry of entries) {
		const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
		if (entry.isDirectory() && !SKIPPED.has(entry.name)) {
			await walk(root, name, found);
		} else if (entry.isFile()) {
			found.push(name);
		}
	}
}

/** A regular file's first `bytes` as text (a link or folder is left out), marked when cut. */
async function readCapped(file: string, bytes: number): Promise<string | undefined> {
	const stat = await fs.lstat(file).catch(() => undefined);
	if (!stat?.isFile()) {
		return undefined;
	}

	const handle = await fs.open(file, 'r');
	try {
		const buffer = Buffer.alloc(Math.min(bytes, stat.size));
		const {bytesRead} = await handle.read(buffer, 0, buffer.length, 0);
		const text = buffer.subarray(0, bytesRead).toString('utf8');
		return stat.size > bytesRead ? `${text}\n[... cut: ${stat.size} bytes in all]` : text;
	} finally {
		await handle.close();
	}
}

function cutToBytes(text: string, bytes: number): string {
	const buffer = Buffer.from(text);
	return buffer.length <= bytes ? text : `${buffer.subarray(0, bytes).toString('utf8')}\n[... context cut at ${bytes} bytes]`;
}
