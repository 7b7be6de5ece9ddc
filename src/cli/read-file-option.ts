import fs from 'node:fs/promises';
import {SpoolError} from '../errors.ts';

/** The text behind `--file F`: the file's contents, or standard input for "-". */
export async function readFileOption(file: string, code: string): Promise<string> {
	if (file !== '-') {
		return fs.readFile(file, 'utf8').catch(error => {
			throw new SpoolError(code, `--file ${file}: ${(error as Error).message}`);
		});
	}

	let text = '';
	for await (const chunk of process.stdin) {
		text += String(chunk);
	}

	return text;
}
