/*
 * Reads a Bash command line into the simple commands it runs, the way a policy must see them: every
 * command of a list (`;`, `&&`, `||`, `&`, newlines), of a pipeline, of a subshell or brace group, of
 * `$(...)` and backquotes (wherever they stand, in quotes too), of the bodies of if/for/while/case and
 * functions. Quotes and escapes are removed from each word as the shell would. What it cannot read
 * (an unclosed quote, a here-document fed to a shell, a word it cannot tell the value of in command
 * position) is an error that names why: the policy fails closed on it.
 */

export type SimpleCommand = {
	/** The words, quotes removed; a word that held an expansion spool cannot know ($VAR, $(...)) has `unknown` set. */
	words: Word[];
	/** The variables it sets before its words (`GIT_DIR=x git ...`), or alone (`X=1`), by name. */
	assignments: string[];
};

export type Word = {text: string; unknown: boolean};

export type ParseResult = {ok: true; commands: SimpleCommand[]} | {ok: false; why: string};

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'for', 'in', 'case', 'esac', 'select', 'function', '!', '{', '}', '[[', ']]', 'time', 'coproc']);
const MAX_DEPTH = 20;

export function parseShell(text: string, depth = 0): ParseResult {
	if (depth > MAX_DEPTH) {
		return {ok: false, why: `commands nest deeper than ${MAX_DEPTH} levels`};
	}

	const parser = new Parser(text, depth);
	try {
		parser.parse();
	} catch (error) {
		if (error instanceof Unreadable) {
			return {ok: false, why: error.message};
		}

		throw error;
	}

	return {ok: true, commands: parser.commands};
}

class Unreadable extends Error {}

class Parser {
	readonly commands: SimpleCommand[] = [];
	readonly #text: string;
	readonly #depth: number;
	#i = 0;
	#current: Word[] = [];
	#assignments: string[] = [];
	/** Inside [[ ... ]]: its words are a test, not a command (its substitutions are still read). */
	#inTest = false;
	/** The words of `for NAME in ...` and `case WORD in` are no command. */
	#skipUntilSeparator = false;
	#pendingHeredocs: Array<{delimiter: string; strip: boolean; command: Word[]; quoted: boolean}> = [];

	constructor(text: string, depth: number) {
		this.#text = text;
		this.#depth = depth;
	}

	parse(): void {
		const text = this.#text;
		while (this.#i < text.length) {
			const char = text[this.#i]!;
			if (char === '\n') {
				this.#end();
				this.#i++;
				this.#readHeredocs();
				continue;
			}

			if (char === ' ' || char === '\t' || char === '\r') {
				this.#i++;
				continue;
			}

			if (char === '#' ) {
				// A comment runs to the end of the line.
				while (this.#i < text.length && text[this.#i] !== '\n') {
					this.#i++;
				}

				continue;
			}

			if (char === ';' || char === '&' || char === '|' || char === '(' || char === ')') {
				if (char === '(' && text[this.#i + 1] === '(') {
					this.#arithmetic(this.#i + 2);
					continue;
				}

				if (char === ';' && text[this.#i + 1] === ';') {
					this.#i++; // case's ;; ends an item.
				}

				this.#end();
				this.#i++;
				if ((char === '&' || char === '|') && text[this.#i] === char) {
					this.#i++;
				} else if (char === '|' && text[this.#i] === '&') {
					this.#i++;
				}

				continue;
			}

			if (char === '<' || char === '>') {
				this.#redirection();
				continue;
			}

			// A number right before a redirection (2>&1) belongs to it.
			const fd = /^\d+(?=[<>])/.exec(text.slice(this.#i));
			if (fd) {
				this.#i += fd[0].length;
				this.#redirection();
				continue;
			}

			const word = this.#word();
			this.#add(word);
		}

		this.#end();
		if (this.#pendingHeredocs.length > 0) {
			throw new Unreadable('a here-document is not closed');
		}
	}

	#add(word: Word): void {
		if (this.#inTest) {
			this.#inTest = word.text !== ']]' || word.unknown;
			return;
		}

		if (!word.unknown && (word.text === '{' || word.text === '}')) {
			this.#end(); // A group, or a function's body: `function f { git push; }` runs git.
			return;
		}

		if (this.#current.length === 0 && !word.unknown && word.text === '[[') {
			this.#inTest = true;
			return;
		}

		if (this.#current.length === 0 && !word.unknown && KEYWORDS.has(word.text)) {
			if (word.text === 'for' || word.text === 'select' || word.text === 'case') {
				this.#skipUntilSeparator = true;
			}

			return; // A keyword leads into the command after it: `then git push` runs git.
		}

		const assignment = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=/.exec(word.text);
		if (this.#current.length === 0 && assignment) {
			this.#assignments.push(assignment[1]!); // VAR=value before a command (or alone) sets a variable.
			return;
		}

		if (this.#current.length === 0 && this.#isFunctionName()) {
			return; // name() { ...; }: the body is read as commands when it comes.
		}

		if (this.#skipUntilSeparator) {
			return;
		}

		this.#current.push(word);
	}

	#isFunctionName(): boolean {
		return /^\s*\(\s*\)/.test(this.#text.slice(this.#i));
	}

	#end(): void {
		this.#skipUntilSeparator = false;
		if (this.#current.length > 0 || this.#assignments.length > 0) {
			this.commands.push({words: this.#current, assignments: this.#assignments});
		}

		this.#current = [];
		this.#assignments = [];
	}

	/** `(( ... ))` at `start` (past its "(("): skipped, unless a command substitution inside would run. */
	#arithmetic(start: number): void {
		const end = this.#text.indexOf('))', start);
		if (end === -1) {
			throw new Unreadable('a (( )) is not closed');
		}

		const inner = this.#text.slice(start, end);
		if (inner.includes('$(') || inner.includes('`')) {
			throw new Unreadable('a command inside an arithmetic expression is not read');
		}

		this.#i = end + 2;
	}

	#redirection(): void {
		const text = this.#text;
		const start = this.#i;
		while (text[this.#i] === '<' || text[this.#i] === '>' || text[this.#i] === '&' || text[this.#i] === '|') {
			this.#i++;
		}

		const operator = text.slice(start, this.#i);
		if (operator === '<<' || operator === '<<-') {
			this.#skipBlanks();
			const from = this.#i;
			const delimiter = this.#word();
			// A quoted delimiter ('EOF', "EOF", \EOF) keeps the body as it is; an unquoted one expands it.
			const quoted = /["'\\]/.test(this.#text.slice(from, this.#i));
			this.#pendingHeredocs.push({delimiter: delimiter.text, strip: operator === '<<-', command: [...this.#current], quoted});
			return;
		}

		if (operator === '<<<') {
			this.#skipBlanks();
			this.#word(); // A here-string is data, unless a shell reads it: checked when the command ends.
			if (isShell(this.#current)) {
				throw new Unreadable('a here-string fed to a shell is not read');
			}

			return;
		}

		if (operator.endsWith('&') && /^\d+|^-/.test(text.slice(this.#i))) {
			this.#i += /^(\d+|-)/.exec(text.slice(this.#i))![0].length;
			return;
		}

		this.#skipBlanks();
		if (text[this.#i] === '(' ) {
			throw new Unreadable('a process substitution after a redirection is not read');
		}

		this.#word(); // The file: its expansions were read as commands by #word.
	}

	#readHeredocs(): void {
		const text = this.#text;
		for (const heredoc of this.#pendingHeredocs) {
			if (isShell(heredoc.command)) {
				throw new Unreadable('a here-document fed to a shell is not read');
			}

			for (;;) {
				if (this.#i >= text.length) {
					throw new Unreadable(`the here-document ending in ${heredoc.delimiter} is not closed`);
				}

				const end = text.indexOf('\n', this.#i);
				const line = text.slice(this.#i, end === -1 ? text.length : end);
				this.#i = end === -1 ? text.length : end + 1;
				if ((heredoc.strip ? line.replace(/^\t+/, '') : line) === heredoc.delimiter) {
					break;
				}

				if (!heredoc.quoted && (line.includes('$(') || line.includes('`'))) {
					// An unquoted delimiter: bash runs the substitutions in the body.
					throw new Unreadable('a here-document runs a command substitution in its body');
				}
			}
		}

		this.#pendingHeredocs = [];
	}

	#skipBlanks(): void {
		while (this.#text[this.#i] === ' ' || this.#text[this.#i] === '\t') {
			this.#i++;
		}
	}

	/** One word: quotes and escapes removed, each $(...) and `...` inside it read as commands too. */
	#word(): Word {
		const text = this.#text;
		let value = '';
		let unknown = false;
		while (this.#i < text.length) {
			const char = text[this.#i]!;
			if (' \t\r\n;&|()<>'.includes(char)) {
				break;
			}

			if (char === '\\') {
				if (text[this.#i + 1] === '\n') {
					this.#i += 2; // A line continuation.
					continue;
				}

				value += text[this.#i + 1] ?? '';
				this.#i += 2;
				continue;
			}

			if (char === "'") {
				const end = text.indexOf("'", this.#i + 1);
				if (end === -1) {
					throw new Unreadable('a single quote is not closed');
				}

				value += text.slice(this.#i + 1, end);
				this.#i = end + 1;
				continue;
			}

			if (char === '"') {
				this.#i++;
				for (;;) {
					if (this.#i >= text.length) {
						throw new Unreadable('a double quote is not closed');
					}

					const inner = text[this.#i]!;
					if (inner === '"') {
						this.#i++;
						break;
					}

					if (inner === '\\' && '$`"\\\n'.includes(text[this.#i + 1] ?? '')) {
						value += text[this.#i + 1];
						this.#i += 2;
						continue;
					}

					if (inner === '$' || inner === '`') {
						unknown = this.#expansion() || unknown;
						continue;
					}

					value += inner;
					this.#i++;
				}

				continue;
			}

			if (char === '$' || char === '`') {
				if (char === '$' && text[this.#i + 1] === "'") {
					// $'...': ANSI-C quoting; its escapes are not decoded, so the word is not known.
					let end = this.#i + 2;
					while (end < text.length && text[end] !== "'") {
						end += text[end] === '\\' ? 2 : 1;
					}

					if (end >= text.length) {
						throw new Unreadable("a $'...' quote is not closed");
					}

					this.#i = end + 1;
					unknown = true;
					continue;
				}

				unknown = this.#expansion() || unknown;
				continue;
			}

			if (char === '{' && value === '' && text[this.#i + 1] !== ' ' && /^\{[^}]*,[^}]*\}/.test(text.slice(this.#i))) {
				unknown = true; // Brace expansion {a,b}: several words.
			}

			value += char;
			this.#i++;
		}

		return {text: value, unknown};
	}

	/**
	 * `$(...)`, `` `...` ``, `${...}`, `$VAR`, `$((...))` at the cursor. A command substitution is read as
	 * commands of its own; every expansion makes the word's value unknown. Returns true (unknown).
	 */
	#expansion(): boolean {
		const text = this.#text;
		if (text[this.#i] === '`') {
			let end = this.#i + 1;
			let inner = '';
			while (end < text.length && text[end] !== '`') {
				if (text[end] === '\\' && end + 1 < text.length) {
					inner += text[end + 1];
					end += 2;
					continue;
				}

				inner += text[end];
				end++;
			}

			if (end >= text.length) {
				throw new Unreadable('a backquote is not closed');
			}

			this.#nested(inner);
			this.#i = end + 1;
			return true;
		}

		// At a `$`.
		const next = text[this.#i + 1];
		if (next === '(') {
			if (text[this.#i + 2] === '(') {
				this.#arithmetic(this.#i + 3);
				return true;
			}

			const end = matchingParen(text, this.#i + 1);
			if (end === -1) {
				throw new Unreadable('a $( is not closed');
			}

			this.#nested(text.slice(this.#i + 2, end));
			this.#i = end + 1;
			return true;
		}

		if (next === '{') {
			const end = text.indexOf('}', this.#i + 2);
			if (end === -1) {
				throw new Unreadable('a ${ is not closed');
			}

			const inner = text.slice(this.#i + 2, end);
			if (inner.includes('$(') || inner.includes('`')) {
				throw new Unreadable('a command inside ${...} is not read');
			}

			if (/@[PEAKkaQUuL]$/.test(inner) || inner.startsWith('!')) {
				throw new Unreadable('a ${...@P}, ${!...} or other transforming expansion is not read');
			}

			this.#i = end + 1;
			return true;
		}

		const name = /^\$([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(text.slice(this.#i));
		if (name) {
			this.#i += name[0].length;
			return true;
		}

		this.#i++; // A lone "$" is itself.
		return false;
	}

	#nested(inner: string): void {
		const nested = parseShell(inner, this.#depth + 1);
		if (!nested.ok) {
			throw new Unreadable(nested.why);
		}

		this.commands.push(...nested.commands);
	}
}

/** The index of the ")" that closes the "(" at `open`, past quotes and nested parentheses; -1 when none does. */
function matchingParen(text: string, open: number): number {
	let depth = 0;
	for (let i = open; i < text.length; i++) {
		const char = text[i];
		if (char === '\\') {
			i++;
		} else if (char === "'") {
			i = text.indexOf("'", i + 1);
			if (i === -1) {
				return -1;
			}
		} else if (char === '"') {
			for (i++; i < text.length && text[i] !== '"'; i++) {
				if (text[i] === '\\') {
					i++;
				}
			}
		} else if (char === '(') {
			depth++;
		} else if (char === ')') {
			depth--;
			if (depth === 0) {
				return i;
			}
		}
	}

	return -1;
}

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'fish', 'ash', 'busybox']);

function isShell(words: readonly Word[]): boolean {
	const name = words[0]?.text.split('/').at(-1) ?? '';
	return SHELLS.has(name) || words.some(word => SHELLS.has(word.text.split('/').at(-1) ?? ''));
}
