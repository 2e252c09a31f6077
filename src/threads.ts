/**
 * `simdnet/threads` (browsers, Workers, bundlers): opt-in thread support. Importing it registers
 * the shared-memory builds of the kernels and how to start a kernel thread (a module Worker);
 * then `init({ threads: n })` runs the kernels on n threads. Kept out of the core so that a
 * program without threads loads neither the extra kernels nor any worker code.
 */
import simdThreads from '../build/simdnet.simd-threads.wasm.js';
import relaxedThreads from '../build/simdnet.relaxed-threads.wasm.js';
import simd from '../build/simdnet.simd.wasm.js';
import { inflateEmbeddedDelta } from './backend/base64.ts';
import { spawnModuleWorker } from './backend/spawn-web.ts';
import { registerWorkerSpawner } from './backend/threads.ts';
import { registerThreadSupport } from './backend/backend.ts';
import { threadSupport } from './backend/threaded.ts';
import { setDefaultModules } from './runtime.ts';

setDefaultModules({
  simdThreads: () => inflateEmbeddedDelta(simdThreads, simd),
  relaxedThreads: () => inflateEmbeddedDelta(relaxedThreads, simd),
});
registerThreadSupport(threadSupport);
registerWorkerSpawner(spawnModuleWorker, { needsWorkerGlobal: true });

export {};
