// What waits for a person: each question with its answer box, each approval with its two buttons.
import {useState} from 'preact/hooks';
import {getJson, postAction} from '../api.js';
import {ago, ErrorNote, taskHref} from '../format.js';
import {html} from '../html.js';
import {useLive} from '../live.js';

export function InboxView() {
	const inbox = useLive(() => getJson('/api/inbox'), [], change => change.overview || change.all);
	return html`<section>
		<h1>Inbox</h1>
		<${ErrorNote} error=${inbox.error} />
		${inbox.data && html`<${InboxList} items=${inbox.data.inbox} empty="Nothing waits for you: no agent has asked a question or needs an approval." />`}
	</section>`;
}

export function InboxList({items, empty}) {
	if (items.length === 0) return html`<p class="quiet">${empty}</p>`;
	return html`<ul class="inbox">${items.map(item => html`<li key=${`${item.worker}/${item.id}`}><${InboxItem} item=${item} /></li>`)}</ul>`;
}

export function InboxItem({item}) {
	return html`<article class="card ask" data-task=${`${item.worker}/${item.id}`}>
		<header>
			<a href=${taskHref(item.worker, item.id)}>${item.worker}/${item.id}</a>
			<span class="quiet">${item.kind === 'approval' ? 'needs approval' : 'asks'} · ${ago(item.askedAt)}</span>
		</header>
		${item.kind === 'approval' ? html`<${ApprovalForm} item=${item} />` : html`<${AnswerForm} item=${item} />`}
	</article>`;
}

function useAction() {
	const [state, setState] = useState({busy: false, error: undefined, message: undefined});
	const run = async (worker, id, action, body) => {
		setState({busy: true});
		try {
			const outcome = await postAction(worker, id, action, body);
			setState({busy: false, message: outcome.message, error: outcome.ok ? undefined : new Error(outcome.message)});
			return outcome.ok;
		} catch (error) {
			setState({busy: false, error});
			return false;
		}
	};

	return [state, run];
}

export function AnswerForm({item}) {
	const [text, setText] = useState('');
	const [state, run] = useAction();
	const send = async answer => {
		if (await run(item.worker, item.id, 'answer', {text: answer})) setText('');
	};

	return html`<div class="ask-body">
		<p class="question">${item.question}</p>
		${item.context && html`<p class="context">${item.context}</p>`}
		${item.options?.length > 0 && html`<div class="options">${item.options.map(option => html`<button type="button" class="secondary" disabled=${state.busy} onClick=${() => send(option)}>${option}</button>`)}</div>`}
		<form onSubmit=${event => {
			event.preventDefault();
			void send(text);
		}}>
			<textarea name="answer" aria-label="your answer" rows="3" placeholder="Your answer" value=${text} onInput=${event => setText(event.currentTarget.value)}></textarea>
			<button type="submit" disabled=${state.busy || !text.trim()}>Send answer</button>
		</form>
		<${ErrorNote} error=${state.error} />
	</div>`;
}

export function ApprovalForm({item}) {
	const [why, setWhy] = useState('');
	const [state, run] = useAction();
	return html`<div class="ask-body">
		<p class="question">Run this command${item.rule ? html` (rule <code>${item.rule}</code>)` : ''}?</p>
		<pre class="command">${item.command ?? item.question}</pre>
		<div class="decide">
			<button type="button" disabled=${state.busy} onClick=${() => run(item.worker, item.id, 'approve', {})}>Approve</button>
			<input name="why" aria-label="why deny" placeholder="Why not (told to the agent)" value=${why} onInput=${event => setWhy(event.currentTarget.value)} />
			<button type="button" class="danger" disabled=${state.busy} onClick=${() => run(item.worker, item.id, 'deny', why.trim() ? {why: why.trim()} : {})}>Deny</button>
		</div>
		<${ErrorNote} error=${state.error} />
	</div>`;
}

export {useAction};
