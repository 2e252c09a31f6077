/**
 * The threaded backend (loaded by the opt-in `simdnet/threads` entries, registered with
 * backend.ts): the kernels' threads build on a shared memory, a pool of threads − 1 workers over
 * it, and the kernels with the big ones split over the pool.
 */
import { Backend, WASM_PAGE, type BackendOptions, type ThreadSupport, type WasmModules } from './backend.ts';
import { parallelKernels } from './parallel.ts';
import { ThreadPool, threadsUnavailable } from './threads.ts';
import { compileKernels, instantiateKernels, relaxedSimdSupported } from './wasm.ts';

async function startThreadedBackend(options: BackendOptions, modules: WasmModules, threads: number,
  maximumPages: number): Promise<Backend> {
  const relaxed = (options.relaxedSimd ?? true) && modules.relaxedThreads !== undefined && relaxedSimdSupported();
  const module = await compileKernels(await (relaxed ? modules.relaxedThreads! : modules.simdThreads!)());
  // A shared memory needs a maximum; it is reserved, not committed, until the allocator grows it.
  const memory = new WebAssembly.Memory({ initial: 16, maximum: maximumPages, shared: true });
  let instance;
  try {
    instance = await instantiateKernels(module, memory);
  } catch (error) {
    throw new Error(`the kernels are not a threads build (they do not import a shared memory: ${String(error)})`);
  }
  const backend = new Backend('wasm', memory, instance.heapBase, maximumPages * WASM_PAGE, instance.kernels,
    relaxed ? 'relaxed' : 'simd', module);
  const pool = await ThreadPool.start({
    module, memory, threads, kernels: instance.kernels, allocator: backend.allocator, workerUrl: options.workerUrl,
  });
  if (options.minParallelWork !== undefined) pool.minWork = options.minParallelWork;
  backend.useThreads(pool, parallelKernels({ base: backend.singleThreadKernels, pool, heap: backend.heap, allocator: backend.allocator }));
  return backend;
}

export const threadSupport: ThreadSupport = { unavailable: () => threadsUnavailable(), start: startThreadedBackend };
