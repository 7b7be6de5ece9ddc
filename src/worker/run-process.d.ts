import type {ChildProcessWithoutNullStreams} from 'node:child_process';
import type {SpawnRequest} from './spawner.ts';

export function startRunProcess(request: SpawnRequest): ChildProcessWithoutNullStreams;
