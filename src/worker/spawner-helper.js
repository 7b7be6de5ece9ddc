// The spawner: a small process a worker forks once, which starts each claude run for it (spawner.ts).
//
// Plain JavaScript with node's builtins only, so it loads no TypeScript stripper and stays near a bare
// node's memory: a fork copies the parent's page tables, and libuv's spawn waits in the parent until the
// child has exec'd. From the worker (120 MB and more) that cost its one event loop about 3 ms a task; from
// here, it costs this process less and the worker nothing.
//
// Messages, over the IPC channel, one run per id:
//   worker → here: {id, bin, args, cwd, env, prompt}   start it, write the prompt to its stdin, close stdin
//   here → worker: {id, pid} started | {id, error, code} could not start
//                  {id, out} / {id, err} a chunk of its stdout / stderr, as bytes, in order
//                  {id, exit: [code, signal]} it exited | {id, close: [code, signal]} its output ended too
// The channel uses node's 'advanced' serialization, which carries the chunks as bytes, not JSON.
// When the worker goes (its channel closes), this process ends at once; the runs' pipes close with it.
import {startRunProcess} from './run-process.js';

process.on('message', request => {
	const {id} = request;
	let child;
	try {
		child = startRunProcess(request);
	} catch (error) {
		// E2BIG, EACCES... thrown here rather than emitted.
		process.send({id, error: error.message, code: error.code ?? null});
		return;
	}

	if (child.pid === undefined) {
		child.once('error', error => process.send({id, error: error.message, code: error.code ?? null}));
		return;
	}

	process.send({id, pid: child.pid});
	forward(child.stdout, id, 'out');
	forward(child.stderr, id, 'err');
	child.once('exit', (code, signal) => process.send({id, exit: [code, signal]}));
	child.once('close', (code, signal) => process.send({id, close: [code, signal]}));
});

/** A stream's chunks to the worker, paused while the channel's queue is full, as a pipe would slow its writer. */
function forward(stream, id, key) {
	stream.on('data', chunk => {
		if (!process.send({id, [key]: chunk}, undefined, undefined, () => stream.resume())) {
			stream.pause();
		}
	});
}

process.on('disconnect', () => process.exit(0));
// A terminal's Ctrl-C (or a hang-up, or a SIGTERM to the group) reaches this process too, being in its
// worker's process group: the worker drains its runs then, and this process must serve them until the
// worker is gone. It ends with its channel.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.on(signal, () => {});
}

// A message the worker can no longer take (it exited meanwhile, EPIPE): there is no one left to serve.
process.on('error', () => process.exit(0));
process.send({ready: true});
