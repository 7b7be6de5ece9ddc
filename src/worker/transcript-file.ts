import fs from 'node:fs';
import {openForAppend} from '../queue/read-file.ts';

export type Transcript = {write(text: string): void; close(): Error | undefined};

/**
 * Appends the transcript with plain writes: a write stream would send each line through the thread
 * pool. A transcript that cannot be written (a full disk) must not take the worker down mid-run: the
 * first error is kept and handed back by close(), once the run has ended. A symlink or FIFO at its
 * name (results/ is writable by tasks that run there) is never followed or opened: that is an error too.
 */
export function openTranscript(file: string): Transcript {
	let error: Error | undefined;
	let fd: number | undefined;
	try {
		fd = openForAppend(file);
	} catch (openError) {
		error = openError as Error;
	}

	return {
		write(text) {
			if (fd === undefined || error) {
				return;
			}

			try {
				fs.writeFileSync(fd, text);
			} catch (writeError) {
				error = writeError as Error;
			}
		},
		close() {
			if (fd !== undefined) {
				fs.closeSync(fd);
				fd = undefined;
			}

			return error;
		},
	};
}

