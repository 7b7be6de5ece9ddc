import {z} from 'zod';
import {loadConfig, type Config} from '../config/load.ts';
import {formatIssues} from '../config/format-issues.ts';
import {SpoolError} from '../errors.ts';
import {ERROR_CODES, JsonRpcError} from './transport.ts';

export type ToolContext = {
	/** spool.yaml as it is now: read again for every call, so an edit needs no restart. */
	config: Config;
	/** Aborted when the client cancels the call or goes away. */
	signal: AbortSignal;
};

/**
 * One tool of the MCP server: its input is a zod object (the JSON Schema the client sees is generated
 * from it), and `run` returns the result's text, or data that is sent as JSON. A SpoolError thrown by
 * `run` is a tool result with isError and its message, which the model reads and can act on.
 */
export type Tool<Input extends z.ZodObject = z.ZodObject> = {
	name: string;
	description: string;
	input: Input;
	run(input: z.output<Input>, context: ToolContext): Promise<unknown>;
};

export type ToolResult = {content: Array<{type: 'text'; text: string}>; isError?: true};

/** Types `run`'s input by the schema. */
export function defineTool<Input extends z.ZodObject>(tool: Tool<Input>): Tool<Input> {
	return tool;
}

/** What tools/list answers. */
export function describeTools(tools: readonly Tool[]) {
	return tools.map(tool => {
		const {$schema: _, ...inputSchema} = z.toJSONSchema(tool.input, {io: 'input', unrepresentable: 'any'});
		return {name: tool.name, description: tool.description, inputSchema};
	});
}

/**
 * Runs one tools/call. An unknown tool is a protocol error (-32602); everything that goes wrong inside a
 * tool, bad arguments included, is a result with isError, so the server outlives any call.
 */
export async function callTool(tools: readonly Tool[], params: Record<string, unknown>, home: string, signal: AbortSignal, onError: (error: unknown) => void): Promise<ToolResult> {
	const tool = tools.find(candidate => candidate.name === params.name);
	if (!tool) {
		throw new JsonRpcError(ERROR_CODES.invalidParams, `unknown tool ${JSON.stringify(params.name)}; the tools are ${tools.map(t => t.name).join(', ')}`);
	}

	const args = params.arguments ?? {};
	const parsed = tool.input.safeParse(args);
	if (!parsed.success) {
		return failure(`${tool.name}: ${formatIssues(parsed.error, args).join('; ')}`);
	}

	try {
		// Read when a tool asks for it: ask_human, in a run's server, has no spool.yaml to read.
		let config: Config | undefined;
		const context: ToolContext = {signal, get config() {
			config ??= loadConfig(home);
			return config;
		}};
		const output = await tool.run(parsed.data, context);
		return {content: [{type: 'text', text: typeof output === 'string' ? output : JSON.stringify(output, null, 2)}]};
	} catch (error) {
		if (!(error instanceof SpoolError)) {
			onError(error);
		}

		return failure(`${tool.name}: ${error instanceof Error ? error.message : String(error)}`);
	}
}

function failure(text: string): ToolResult {
	return {content: [{type: 'text', text}], isError: true};
}
