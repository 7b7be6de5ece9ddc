import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {chromium, type BrowserContext, type Page} from 'playwright-core';

/** Debian's chromium (.ci/run installs it); playwright never downloads a browser of its own here. */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * How long a browser test's set-up may take. chromium usually starts in under a second here, but one
 * start in a while took 15-25 s (seen on this machine after it sat idle, and in a clean-clone CI run
 * where two files' 30 s set-ups ran out): the launch may take most of it before a test calls it broken.
 */
export const BROWSER_SETUP_TIMEOUT = 150_000;
const LAUNCH_TIMEOUT = 120_000;

export type Browser = {context: BrowserContext; page: Page; close(): Promise<void>};

/**
 * A real chromium with a fresh profile of its own. A machine without it fails the test loudly, never
 * skips it: the browser tests are the proof that a person sees what the page promises.
 */
export async function openBrowser(viewport = {width: 1280, height: 800}): Promise<Browser> {
	if (!fs.existsSync(CHROMIUM)) {
		throw new Error(`${CHROMIUM} is missing: the dashboard's browser tests drive the real chromium. Install it with "apt-get install -y chromium" (.ci/run does)`);
	}

	const profile = await fsp.mkdtemp(path.join(os.tmpdir(), 'spool-ui-chromium-'));
	const started = Date.now();
	const context = await chromium.launchPersistentContext(profile, {executablePath: CHROMIUM, args: ARGS, viewport, timeout: LAUNCH_TIMEOUT});
	if (Date.now() - started > 5000) {
		console.warn(`chromium took ${Date.now() - started} ms to start`);
	}

	const page = context.pages()[0] ?? (await context.newPage());
	return {
		context,
		page,
		async close() {
			await context.close().catch(() => undefined);
			await fsp.rm(profile, {recursive: true, force: true});
		},
	};
}
