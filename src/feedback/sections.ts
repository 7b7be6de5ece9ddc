/** A feedback file split by whom each part is for. */
export type FeedbackParts = {
	/** Text outside every worker's section: for every worker. Empty when it holds only headings. */
	all: string;
	/** Each worker's own sections, joined, under the worker's name as spool.yaml spells it. */
	workers: Record<string, string>;
};

/** `## NAME` (or `# NAME`), closing #s allowed: a heading of level 1 or 2 and its title. */
const HEADING = /^ {0,3}(#{1,2})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Splits a person's feedback/DATE.md: a level-2 heading `## NAME` that names a worker (letter case aside)
 * opens that worker's section, which runs to the next heading of level 1 or 2; everything else is for
 * every worker. Headings inside a fenced code block are text. HTML comments are left out, so a person
 * can keep notes in the file that reach no one.
 */
export function splitFeedback(text: string, workers: readonly string[]): FeedbackParts {
	const byLowerName = new Map(workers.map(name => [name.toLowerCase(), name]));
	const all: string[] = [];
	const own = new Map<string, string[]>();
	let current: string[] = all;
	let fence: string | undefined;
	for (const line of text.replace(/<!--[\s\S]*?(?:-->|$)/g, '').split(/\r?\n/)) {
		const fenceMark = FENCE.exec(line)?.[1];
		if (fence !== undefined) {
			if (fenceMark !== undefined && fenceMark[0] === fence[0] && fenceMark.length >= fence.length) {
				fence = undefined;
			}
		} else if (fenceMark) {
			fence = fenceMark;
		} else {
			const heading = HEADING.exec(line);
			if (heading) {
				const worker = heading[1] === '##' ? byLowerName.get(heading[2]!.replaceAll('`', '').trim().toLowerCase()) : undefined;
				if (worker) {
					current = own.get(worker) ?? [];
					own.set(worker, current);
					continue;
				}

				current = all;
			}
		}

		current.push(line);
	}

	const workersText: Record<string, string> = {};
	for (const [worker, lines] of own) {
		const joined = tidy(lines);
		if (joined !== '') {
			workersText[worker] = joined;
		}
	}

	const allText = tidy(all);
	// A title alone ("# Review of 2026-12-01") says nothing to anyone.
	const saysSomething = allText.split('\n').some(line => line.trim() !== '' && !HEADING.test(line));
	return {all: saysSomething ? allText : '', workers: workersText};
}

/** Lines joined, trailing spaces and runs of blank lines taken out, trimmed. */
function tidy(lines: readonly string[]): string {
	return lines
		.map(line => line.trimEnd())
		.join('\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}
