/** Now on the monotonic clock, in ms: the clock the fixture notes its start on, the same in every process. */
export function nowMs(): number {
	return Number(process.hrtime.bigint()) / 1e6;
}

export function sleep(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}
