import fs from 'node:fs';
import {z} from 'zod';
import {tempPathFor} from '../queue/atomic-write.ts';
import {readJsonFile} from '../queue/read-file.ts';
import type {BucketLevel} from './token-bucket.ts';

export const BUCKET_VERSION = 1;

/** control/starts/SCOPE.json: what a start-rate bucket held when a start last took from it. */
export const bucketFileSchema = z.looseObject({
	version: z.number().int().min(1),
	/** Tokens left, a fraction at times. */
	tokens: z.number().finite().min(0),
	/** When that was (epoch ms). */
	updatedAt: z.number().finite(),
});

/** The level a bucket file holds; undefined (a full bucket) when it is missing, unreadable or no bucket record. */
export function readBucketFile(file: string): BucketLevel | undefined {
	const parsed = bucketFileSchema.safeParse(readJsonFile(file, 64 * 1024));
	return parsed.success ? {tokens: parsed.data.tokens, updatedAt: parsed.data.updatedAt} : undefined;
}

/**
 * Writes a bucket's level: a temp file renamed into place, so a reader never sees half a record. The
 * caller holds the bucket's lock. Not fsynced: a power cut that loses the last level leaves a full
 * bucket, one burst more at worst, which a start limit can afford and an fsync per start cannot.
 */
export function writeBucketFile(file: string, level: BucketLevel): void {
	const temp = tempPathFor(file);
	try {
		fs.writeFileSync(temp, `${JSON.stringify({version: BUCKET_VERSION, tokens: level.tokens, updatedAt: level.updatedAt})}\n`, {flag: 'wx'});
		fs.renameSync(temp, file);
	} catch (error) {
		fs.rmSync(temp, {force: true});
		throw error;
	}
}
