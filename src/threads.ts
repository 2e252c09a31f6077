/**
 * `simdnet/threads` (browsers, Workers, bundlers): opt-in thread support. Importing it registers
 * the shared-memory builds of the kernels and how to start a kernel thread (a module Worker);
 * then `init({ threads: n })` runs the kernels on n threads. Kept out of the core so that a
 * program without threads loads neither the extra kernels nor any worker code.
 */
import { spawnModuleWorker } from './backend/spawn-web.ts';
import { installThreads } from './threads-install.ts';

installThreads(spawnModuleWorker, { needsWorkerGlobal: true });

export {};
