// A kernel thread: instantiates the same compiled kernels on the same shared memory as the main
// thread, says it is ready, then serves jobs from the shared control block (thread-tasks.js).
//
// One script for both hosts (plain JavaScript, so neither needs a TypeScript step):
// - browsers and bundlers start it as a module Worker,
//     new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })
//   and post it { module, memory, control, table, slot, kernels } (the page must be
//   cross-origin isolated for the memory to travel);
// - Node starts it with worker_threads, the same data arriving as workerData.
// It answers with { ready: true } or { error: message }, then never returns to its event loop.
import { CONTROL_WORDS, MAX_TASKS, TASK_WORDS, serve } from './thread-tasks.js';

async function start(data, reply) {
  let kernels, ctrl, table;
  try {
    const instance = await WebAssembly.instantiate(data.module, { env: { memory: data.memory } });
    kernels = data.kernels.map((name) => {
      const fn = instance.exports[name];
      if (typeof fn !== 'function') throw new Error(`the kernels have no export named ${name}`);
      return fn;
    });
    // The control block and task table never move, so views made now stay valid when the
    // memory grows (a SharedArrayBuffer is never detached); the kernels see growth by themselves.
    ctrl = new Int32Array(data.memory.buffer, data.control, CONTROL_WORDS);
    table = new Float64Array(data.memory.buffer, data.table, MAX_TASKS * TASK_WORDS);
  } catch (error) {
    reply({ error: String(error && error.message ? error.message : error) });
    return;
  }
  reply({ ready: true });
  serve(kernels, ctrl, table, data.slot);
}

if (typeof WorkerGlobalScope !== 'undefined' && typeof self !== 'undefined') {
  self.onmessage = (event) => start(event.data, (message) => self.postMessage(message));
} else {
  const { workerData, parentPort } = await import('node:worker_threads');
  await start(workerData, (message) => parentPort.postMessage(message));
}
