import fs from 'node:fs';
import path from 'node:path';
import {createHash} from 'node:crypto';
import {fileURLToPath} from 'node:url';

/** The page: plain ES modules and CSS, served as they are (no build step). */
export const PUBLIC_DIR = fileURLToPath(new URL('public/', import.meta.url));

/** The page's libraries, served from node_modules under /vendor/ (the page's import map names them). */
const VENDOR: Record<string, string> = {
	'preact.mjs': fileURLToPath(import.meta.resolve('preact')),
	'preact-hooks.mjs': fileURLToPath(import.meta.resolve('preact/hooks')),
	'htm.mjs': fileURLToPath(import.meta.resolve('htm')),
	'dagre.mjs': fileURLToPath(import.meta.resolve('@dagrejs/dagre')),
	'marked.mjs': fileURLToPath(import.meta.resolve('marked')),
};

const TYPES: Record<string, string> = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.mjs': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.png': 'image/png',
	'.svg': 'image/svg+xml',
};

export type StaticFile = {type: string; body: Buffer};

/**
 * The file a GET of `urlPath` serves, or undefined: only names found in public/ (read at each request,
 * so an edit shows on reload) and the vendored modules; `..`, dot-names and anything else are none.
 */
export function findStaticFile(urlPath: string): StaticFile | undefined {
	const relative = urlPath === '/' ? 'index.html' : urlPath.slice(1);
	const vendor = /^vendor\/([\w.-]+)$/.exec(relative)?.[1];
	const file = vendor === undefined ? publicFile(relative) : VENDOR[vendor];
	const type = file && TYPES[path.extname(file)];
	if (!file || !type) {
		return undefined;
	}

	try {
		return {type, body: fs.readFileSync(file)};
	} catch {
		return undefined;
	}
}

function publicFile(relative: string): string | undefined {
	const parts = relative.split('/');
	if (parts.some(part => part === '' || part.startsWith('.'))) {
		return undefined;
	}

	return path.join(PUBLIC_DIR, ...parts);
}

/**
 * The Content-Security-Policy of the page: its own scripts and styles only, no inline code but the
 * import map, allowed by its hash; nothing may frame it.
 */
export function contentSecurityPolicy(): string {
	const html = fs.readFileSync(path.join(PUBLIC_DIR, 'index.html'), 'utf8');
	const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
	const hash = createHash('sha256').update(importMap).digest('base64');
	return `default-src 'self'; script-src 'self' 'sha256-${hash}'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}
