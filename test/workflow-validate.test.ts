import fs from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {loadConfig} from '../src/config/load.ts';
import {generatePlanJsonSchema} from '../src/orchestrator/definition.ts';
import {findCycle, orderTasks, validateWorkflow} from '../src/orchestrator/validate.ts';
import {makeHome} from './helpers/home.ts';

const context = {id: 'wf', workers: ['coder', 'reviewer'], checkId: true};

function problemsOf(raw: unknown, overrides: Partial<typeof context> = {}): string[] {
	const checked = validateWorkflow(raw, {...context, ...overrides});
	return checked.ok ? [] : checked.problems;
}

describe('workflow validation', () => {
	test('a valid workflow passes and takes the id it runs under', () => {
		const checked = validateWorkflow({tasks: [{id: 'a', worker: 'coder', prompt: 'do a'}, {id: 'b', worker: 'reviewer', prompt: 'check {{ tasks.a.cwd }}', dependsOn: ['a']}]}, context);
		expect(checked).toMatchObject({ok: true, workflow: {id: 'wf', tasks: [{id: 'a'}, {id: 'b'}]}});
	});

	test('field errors name the field and the bad value', () => {
		expect(problemsOf({tasks: [{id: 'A B', worker: 'coder', prompt: 'x', timeout: 'soon', colour: 'red'}], max_cost_usd: -1})).toEqual([
			'max_cost_usd: Too small: expected number to be >0 (got -1)',
			'tasks.0.id: use 1-60 letters and digits joined by single "-" or "_" (such as "write-tests") (got "A B")',
			'tasks.0.timeout: expected a duration such as "30s", "10m", "2h" or a number of seconds (got "soon")',
			'tasks.0: Unrecognized key: "colour"',
		]);
		expect(problemsOf({tasks: []})).toEqual(['tasks: a workflow needs at least one task (got [])']);
		expect(problemsOf({tasks: [{id: 'a--b', worker: 'coder', prompt: 'x'}]})[0]).toMatch(/^tasks\.0\.id: use 1-60 letters/);
	});

	test('graph errors: duplicate ids, unknown dependencies, self-dependencies, a file id that differs from its name', () => {
		expect(problemsOf({id: 'other', tasks: [{id: 'a', worker: 'coder', prompt: 'x', dependsOn: ['a', 'zzz']}, {id: 'a', worker: 'coder', prompt: 'y'}]})).toEqual([
			'id: "other" does not match the file name, which makes the id "wf"; remove the field or make them equal',
			'tasks.1.id: "a" is already the id of tasks.0; task ids must be unique',
			'tasks.0.dependsOn: task "a" depends on itself',
			'tasks.0.dependsOn: task "a" depends on "zzz", which is not a task of this workflow (tasks: a)',
		]);
		// A plan's id is the planner's suggestion only.
		expect(problemsOf({id: 'other', tasks: [{id: 'a', worker: 'coder', prompt: 'x'}]}, {checkId: false})).toEqual([]);
	});

	test('placeholders must name a task the prompt\'s task depends on, directly or through others, and a known field', () => {
		const tasks = [
			{id: 'a', worker: 'coder', prompt: 'a'},
			{id: 'b', worker: 'coder', prompt: 'b', dependsOn: ['a']},
			{id: 'c', worker: 'coder', prompt: 'uses {{tasks.a.result}} and {{tasks.b.structuredOutput}}', dependsOn: ['b']},
			{id: 'd', worker: 'coder', prompt: 'uses {{tasks.c.result}} and {{tasks.a.output}}'},
		];
		expect(problemsOf({tasks})).toEqual([
			'tasks.3.prompt: {{tasks.c.result}} names "c", which task "d" does not depend on, so its result would not exist yet; add it to dependsOn',
			'tasks.3.prompt: {{tasks.a.output}} asks for "output"; a placeholder gives result, structuredOutput, cwd',
		]);
	});

	test('any other {{...}} is refused, naming the task, what it says and the known forms; an escaped one is not', () => {
		const tasks = [
			{id: 'a', worker: 'coder', prompt: 'a'},
			{id: 'b', worker: 'coder', prompt: 'uses {{task.a.result}}, {{ result }} and {{task.a.result}} again', dependsOn: ['a']},
			{id: 'c', worker: 'coder', prompt: 'writes a workflow with $\\{{ secrets.TOKEN }}', dependsOn: ['a']},
		];
		const known = '{{tasks.ID.result}}, {{tasks.ID.structuredOutput}} or {{tasks.ID.cwd}} (ID: a task it depends on), and \\{{ writes a literal {{';
		expect(problemsOf({tasks})).toEqual([
			`tasks.1.prompt: task "b" has {{task.a.result}}, which is no placeholder and would reach the model as it is; a placeholder is ${known}`,
			`tasks.1.prompt: task "b" has {{ result }}, which is no placeholder and would reach the model as it is; a placeholder is ${known}`,
		]);
	});

	test('cycles are found and ordered tasks put dependencies first', () => {
		expect(findCycle([{id: 'a', dependsOn: ['b']}, {id: 'b', dependsOn: ['c']}, {id: 'c', dependsOn: ['a']}])).toEqual(['a', 'b', 'c', 'a']);
		expect(findCycle([{id: 'a'}, {id: 'b', dependsOn: ['a']}, {id: 'c', dependsOn: ['a', 'b']}])).toBeUndefined();
		expect(orderTasks([{id: 'c', dependsOn: ['b']}, {id: 'b', dependsOn: ['a']}, {id: 'a'}]).map(task => task.id)).toEqual(['a', 'b', 'c']);
	});

	test('the planner\'s JSON Schema is generated from the same zod schema', () => {
		const schema = generatePlanJsonSchema() as {type: string; required: string[]; additionalProperties: boolean; properties: Record<string, any>};
		expect(schema).toMatchObject({type: 'object', required: ['tasks'], additionalProperties: false});
		expect(schema.properties.tasks.items.required).toEqual(['id', 'worker', 'prompt']);
		expect(Object.keys(schema.properties.tasks.items.properties)).toContain('dependsOn');
		expect(schema.properties).not.toHaveProperty('goal');
	});

	test('a worker may not take a name the orchestrator uses', async () => {
		const home = await makeHome({workers: {coder: {}}});
		await fs.writeFile(path.join(home, 'spool.yaml'), 'workers:\n  workflows: {}\n');
		expect(() => loadConfig(home, {})).toThrow(/workers\.workflows: a worker cannot be named orchestrator, workflows, goals/);
	});
});
