/**
 * `simdnet/threads` for Node (the "node" export condition): opt-in thread support with
 * worker_threads. Importing it registers the shared-memory builds of the kernels and how to start
 * a kernel thread; then `init({ threads: n })` runs the kernels on n threads.
 */
import { spawnNodeWorker } from './backend/spawn-node.ts';
import { installThreads } from './threads-install.ts';

installThreads(spawnNodeWorker, { needsWorkerGlobal: false });

export {};
