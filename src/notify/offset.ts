import {z} from 'zod';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import {readJsonFile} from '../queue/read-file.ts';

/**
 * outbox/.telegram-offset.json: the first update of the bot not yet handled. Written after each update
 * is handled, so a restart neither skips one nor handles one twice, but for the one a kill -9 cut
 * between its handling and this write (answering it twice is harmless: the second is "already
 * answered"). Kept per bot: another token starts from the bot's oldest update.
 */
const offsetSchema = z.looseObject({version: z.literal(1), bot: z.string(), offset: z.number().int().min(0)});

export function readOffset(layout: Layout, bot: string): number {
	const parsed = offsetSchema.safeParse(readJsonFile(layout.telegramOffsetFile, 4096));
	return parsed.success && parsed.data.bot === bot ? parsed.data.offset : 0;
}

export function writeOffset(layout: Layout, bot: string, offset: number): Promise<void> {
	return writeJsonAtomic(layout.telegramOffsetFile, {version: 1, bot, offset, updatedAt: new Date().toISOString()});
}
