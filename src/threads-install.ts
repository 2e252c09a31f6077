/**
 * What both flavours of `simdnet/threads` (threads.ts for browsers and bundlers, threads.node.ts
 * for Node) do when imported: register the shared-memory builds of the kernels (deltas against
 * the embedded plain-SIMD build), the threaded backend, and how the flavour starts a kernel thread.
 */
import simdThreads from '../build/simdnet.simd-threads.wasm.js';
import relaxedThreads from '../build/simdnet.relaxed-threads.wasm.js';
import simd from '../build/simdnet.simd.wasm.js';
import { registerThreadSupport } from './backend/backend.ts';
import { inflateEmbeddedDelta } from './backend/base64.ts';
import { threadSupport } from './backend/threaded.ts';
import { registerWorkerSpawner, type WorkerSpawner } from './backend/threads.ts';
import { setDefaultModules } from './runtime.ts';

export function installThreads(spawn: WorkerSpawner, options: { needsWorkerGlobal: boolean }): void {
  setDefaultModules({
    simdThreads: () => inflateEmbeddedDelta(simdThreads, simd),
    relaxedThreads: () => inflateEmbeddedDelta(relaxedThreads, simd),
  });
  registerThreadSupport(threadSupport);
  registerWorkerSpawner(spawn, options);
}
