import path from 'node:path';
import {spool, ROOT} from '../helpers/home.ts';

export const STREAM_CLAUDE = path.join(ROOT, 'test', 'ui', 'fixtures', 'stream-claude.mjs');

export type Dashboard = {url: string; token: string; port: number; pid: number; stop(): Promise<void>};

/** `spool ui` as a person starts it, on a free port; resolves once it printed its address and token. */
export async function startDashboard(home: string, args: string[] = ['--port', '0']): Promise<Dashboard> {
	const child = spool(home, ['ui', ...args]);
	let out = '';
	const printed = await new Promise<RegExpExecArray>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`spool ui printed no address within 20 s:\n${out}`)), 20_000);
		child.stdout!.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			const match = /open {3}(http:\/\/[^/]+\/)#token=([\w-]+)/.exec(out);
			if (match) {
				clearTimeout(timer);
				resolve(match);
			}
		});
		void child.then(result => reject(new Error(`spool ui exited (${result.exitCode}): ${result.stderr}`)));
	});
	const url = printed[1]!;
	return {
		url,
		token: printed[2]!,
		port: Number(new URL(url).port),
		pid: child.pid!,
		async stop() {
			child.kill('SIGTERM');
			await child;
		},
	};
}

/** The local address of the socket listening on `port`, from /proc/net/tcp and tcp6: what it is bound to, not what answers. */
export async function listeningAddresses(port: number): Promise<string[]> {
	const fs = await import('node:fs/promises');
	const found: string[] = [];
	for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
		const text = await fs.readFile(table, 'utf8').catch(() => '');
		for (const line of text.split('\n').slice(1)) {
			const [, local, , state] = line.trim().split(/\s+/);
			if (state !== '0A' || !local) {
				continue; // 0A: LISTEN.
			}

			const [hex, portHex] = local.split(':');
			if (Number.parseInt(portHex!, 16) === port) {
				found.push(hex!.length === 8 ? hex!.match(/../g)!.reverse().map(byte => Number.parseInt(byte, 16)).join('.') : `ipv6:${hex}`);
			}
		}
	}

	return found;
}
