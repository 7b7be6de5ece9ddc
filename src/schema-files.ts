import {z} from 'zod';
import {configSchema} from './config/schema.ts';
import {resultSchema} from './queue/result.ts';
import {reportSchema} from './report/record.ts';
import {taskSchema} from './queue/task-schema.ts';

/** The committed JSON Schema files, generated from the zod schemas (a test keeps them in step). */
export function renderSchemas(): Record<string, string> {
	const render = (schema: z.ZodType, title: string) =>
		`${JSON.stringify({...z.toJSONSchema(schema, {io: 'input', unrepresentable: 'any'}), title}, null, 2)}\n`;
	return {
		'schema/task.schema.json': render(taskSchema, 'spool task: tasks/WORKER/ID.json'),
		'schema/config.schema.json': render(configSchema, 'spool config: spool.yaml'),
		'schema/result.schema.json': render(resultSchema, 'spool result: results/WORKER/ID.json'),
		'schema/report.schema.json': render(reportSchema, 'spool report: reports/DATE.json'),
	};
}
