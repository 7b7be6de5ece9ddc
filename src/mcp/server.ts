import type {Readable, Writable} from 'node:stream';
import type {Logger} from '../log/logger.ts';
import {callTool, describeTools, type Tool} from './tool.ts';
import {ERROR_CODES, JsonRpcError, serveLines} from './transport.ts';

/** The MCP versions this server speaks, newest first; a client asking for another is answered with the newest. */
export const PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;

const SERVER_INFO = {name: 'spool', title: 'spool job queue', version: '0.1.0'};

const INSTRUCTIONS = `spool is a job queue for a fleet of headless Claude Code workers, each with its own system prompt.
\`workers\` lists them, \`submit\` queues a task for one and returns at once, \`wait_for_result\` collects its answer.
Several tasks can be submitted before waiting for any of them; they run side by side. \`list\` and \`show\` tell
what is queued, running and done; \`cancel\` stops a task, \`retry\` runs a failed one again.`;

export type McpServerOptions = {
	/** The spool home; spool.yaml is read from it again for every tool call. */
	home: string;
	input: Readable;
	output: Writable;
	log: Logger;
	tools: readonly Tool[];
};

/** Serves the MCP methods spool needs (tools only) until the client closes the input. */
export async function serveMcp({home, input, output, log, tools}: McpServerOptions): Promise<void> {
	await serveLines(input, output, {
		async request({method, params}, signal) {
			switch (method) {
				case 'initialize': {
					const asked = params.protocolVersion;
					const protocolVersion = PROTOCOL_VERSIONS.find(version => version === asked) ?? PROTOCOL_VERSIONS[0];
					log.info({client: params.clientInfo, asked, protocolVersion}, 'client connected');
					return {protocolVersion, capabilities: {tools: {}}, serverInfo: SERVER_INFO, instructions: INSTRUCTIONS};
				}

				case 'ping': {
					return {};
				}

				case 'tools/list': {
					return {tools: describeTools(tools)};
				}

				case 'tools/call': {
					const started = Date.now();
					const result = await callTool(tools, params, home, signal, error => log.error({err: error, tool: params.name}, 'tool failed'));
					log.info({tool: params.name, ms: Date.now() - started, isError: result.isError ?? false}, 'tool call');
					return result;
				}

				default: {
					throw new JsonRpcError(ERROR_CODES.methodNotFound, `method not found: ${method} (spool serves tools only)`);
				}
			}
		},
		notification({method}) {
			log.debug({method}, 'notification');
		},
		onError(error, method) {
			log.error({err: error, method}, 'request failed');
		},
	});
}
