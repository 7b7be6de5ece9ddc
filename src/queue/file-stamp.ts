import fs from 'node:fs';

/** A file's mtime, size and inode as one string: a change of it means the file was written or replaced. "missing" when there is none. */
export function fileStamp(file: string): string {
	const stat = fs.statSync(file, {throwIfNoEntry: false});
	return stat ? `${stat.mtimeMs}:${stat.size}:${stat.ino}` : 'missing';
}
