/**
 * `simdnet/threads` for Node (the "node" export condition): opt-in thread support with
 * worker_threads. Importing it registers the shared-memory builds of the kernels and how to start
 * a kernel thread; then `init({ threads: n })` runs the kernels on n threads.
 */
import simdThreads from '../build/simdnet.simd-threads.wasm.js';
import relaxedThreads from '../build/simdnet.relaxed-threads.wasm.js';
import simd from '../build/simdnet.simd.wasm.js';
import { inflateEmbeddedDelta } from './backend/base64.ts';
import { spawnNodeWorker } from './backend/spawn-node.ts';
import { registerWorkerSpawner } from './backend/threads.ts';
import { registerThreadSupport } from './backend/backend.ts';
import { threadSupport } from './backend/threaded.ts';
import { setDefaultModules } from './runtime.ts';

setDefaultModules({
  simdThreads: () => inflateEmbeddedDelta(simdThreads, simd),
  relaxedThreads: () => inflateEmbeddedDelta(relaxedThreads, simd),
});
registerThreadSupport(threadSupport);
registerWorkerSpawner(spawnNodeWorker, { needsWorkerGlobal: false });

export {};
