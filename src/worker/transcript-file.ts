import fs from 'node:fs';

export type Transcript = {write(text: string): void; close(): Error | undefined};

/**
 * Appends the transcript with plain writes: a write stream would send each line through the thread
 * pool. A transcript that cannot be written (a full disk) must not take the worker down mid-run: the
 * first error is kept and handed back by close(), once the run has ended.
 */
export function openTranscript(file: string): Transcript {
	let error: Error | undefined;
	let fd: number | undefined;
	try {
		fd = fs.openSync(file, 'a');
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
