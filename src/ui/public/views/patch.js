// A repository task's patch (results/W/ID.patch), coloured as a diff: each file under its header with
// its counts, hunk headers, added and removed lines. Plain spans, no HTML from the patch.
import {getJson} from '../api.js';
import {ErrorNote} from '../format.js';
import {html} from '../html.js';
import {useLive} from '../live.js';

/** Past this many lines a file's diff starts folded. */
const FOLD_LINES = 400;

/** The patch split per file: `diff --git` starts one; anything before the first is a file of its own. */
export function splitPatch(text) {
	const files = [];
	let file;
	for (const line of text.split('\n')) {
		if (line.startsWith('diff --git ') || !file) {
			file = {name: nameOf(line), lines: [], added: 0, removed: 0};
			files.push(file);
		}

		let kind = 'context';
		if (/^(diff --git |index |new file mode|deleted file mode|old mode|new mode|similarity index|rename (from|to) |Binary files )/.test(line)) kind = 'meta';
		else if (line.startsWith('+++ ') || line.startsWith('--- ')) kind = 'file';
		else if (line.startsWith('@@')) kind = 'hunk';
		else if (line.startsWith('+')) kind = 'add';
		else if (line.startsWith('-')) kind = 'del';
		else if (line.startsWith('\\')) kind = 'meta';
		if (kind === 'add') file.added++;
		if (kind === 'del') file.removed++;
		file.lines.push({kind, text: line});
	}

	if (files.length > 0 && files.at(-1).lines.at(-1)?.text === '') files.at(-1).lines.pop();
	return files.filter(candidate => candidate.lines.length > 0);
}

function nameOf(line) {
	const match = /^diff --git a\/(.+?) b\/(.+)$/.exec(line);
	if (!match) return '';
	return match[1] === match[2] ? match[2] : `${match[1]} → ${match[2]}`;
}

function Line({line}) {
	if (line.kind === 'hunk') {
		const match = /^(@@[^@]*@@)(.*)$/.exec(line.text);
		return html`<span class="d-hunk">${match ? match[1] : line.text}${match?.[2] && html`<span class="d-hunk-context">${match[2]}</span>`}</span>`;
	}

	return html`<span class=${`d-${line.kind}`}>${line.text || ' '}</span>`;
}

export function Patch({worker, id, patch}) {
	const key = `${worker}/${id}`;
	const read = useLive(() => getJson(`/api/tasks/${encodeURIComponent(worker)}/${encodeURIComponent(id)}/patch`), [key, patch.mtimeMs], () => false);
	const data = read.data;
	const files = data ? splitPatch(data.text) : [];
	return html`<section class="patch" data-testid="patch">
		<${ErrorNote} error=${read.error} />
		${data && files.length === 0 && html`<p class="quiet">The patch is empty: the task changed nothing.</p>`}
		${files.map(file => html`<details class="patch-file" open=${file.lines.length <= FOLD_LINES}>
			<summary><span class="patch-name">${file.name || 'patch'}</span> <span class="d-add-count">+${file.added}</span> <span class="d-del-count">−${file.removed}</span></summary>
			<pre class="diff">${file.lines.map(line => html`<${Line} line=${line} />`)}</pre>
		</details>`)}
		${data?.truncated && html`<p class="quiet">Shown: the first ${Math.round(data.text.length / 1024)} KiB of ${Math.round(data.size / 1024)} KiB; the whole patch is in <code>results/${worker}/${id}.patch</code> (<code>spool review ${worker}/${id}</code>).</p>`}
	</section>`;
}
