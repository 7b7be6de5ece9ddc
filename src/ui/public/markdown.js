// Markdown as HTML, safely: marked renders it; any HTML in the text is shown as text (a report quotes
// what models wrote), a link keeps only an http(s), mailto or in-page address, and no image is loaded.
import {Marked} from 'marked';
import {html} from './html.js';

const SAFE_HREF = /^(https?:\/\/|mailto:|#)/i;

function escapeHtml(text) {
	return text.replace(/[&<>"']/g, char => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[char]);
}

const marked = new Marked({
	gfm: true,
	async: false,
	renderer: {
		html: ({text}) => escapeHtml(text),
		link({href, title, tokens}) {
			const text = this.parser.parseInline(tokens);
			if (!SAFE_HREF.test(href ?? '')) return text;
			const titled = title ? ` title="${escapeHtml(title)}"` : '';
			return `<a href="${escapeHtml(href)}"${titled} rel="noopener noreferrer">${text}</a>`;
		},
		image: ({text}) => escapeHtml(text ? `[${text}]` : ''),
	},
});

export function renderMarkdown(text) {
	return marked.parse(text ?? '');
}

/** A block of rendered markdown. */
export function Markdown({text, testid}) {
	return html`<div class="markdown" data-testid=${testid} dangerouslySetInnerHTML=${{__html: renderMarkdown(text)}}></div>`;
}
