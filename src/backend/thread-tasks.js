// The task protocol shared by the main thread (src/backend/threads.ts) and the worker threads
// (worker.js): a control block and a task table in the one shared WebAssembly.Memory.
//
// Plain JavaScript on purpose: a worker script must run as it is in Node's worker_threads and in
// a browser module Worker, with no TypeScript step. thread-tasks.d.ts gives the types.
//
// A job is a list of tasks; a task is one or two kernel calls run in order by one thread. Every
// thread (the main thread included) claims tasks one at a time with a compare-and-swap on CLAIM,
// so a thread that wakes late or runs slowly (the cores are shared) simply claims fewer. Tasks
// write disjoint outputs and each computes exactly what the one-thread kernel computes for its
// part, so which thread runs which task never changes a result.

/** Word offsets (int32) of the control block. */
export const EPOCH = 0;   // bumped for every job (and at stop): idle workers Atomics.wait on it
export const CLAIM = 1;   // (job tag << 16) | next unclaimed task index
export const COUNT = 2;   // tasks in the current job
export const DONE = 3;    // tasks finished in the current job: the main thread waits for COUNT
export const STOP = 4;    // 1: workers leave their loop
export const FAILED = 5;  // tasks that threw (a wasm trap): the main thread reports it
export const SCRATCH = 8; // SCRATCH + slot: that thread's scratch region (a byte address)

export const MAX_THREADS = 64;
export const CONTROL_WORDS = SCRATCH + MAX_THREADS;

/** At most this many tasks per job; task indices fit the low 16 bits of CLAIM. */
export const MAX_TASKS = 256;
/** Up to three calls per task: a kernel, with a copy of its input out of a wider matrix before it
 *  and a copy of its private output block into place after it. */
export const CALLS_PER_TASK = 3;
/** The most arguments a kernel takes (gemm). */
export const MAX_ARGS = 14;
/** A call in the float64 task table: [kernel index or -1 (none), scratch argument index or -1,
 *  argument count, arguments...]. Float64 holds every int32, uint32 address and float32 exactly. */
export const CALL_WORDS = 3 + MAX_ARGS;
export const TASK_WORDS = CALLS_PER_TASK * CALL_WORDS;

/**
 * Claims and runs tasks of the current job until none is left. `kernels[i]` is the function of
 * kernel index i (the same list on every thread); `slot` picks this thread's scratch region.
 * Returns the number of tasks this thread ran.
 */
export function runTasks(kernels, ctrl, table, slot) {
  let ran = 0;
  for (;;) {
    const claim = Atomics.load(ctrl, CLAIM);
    const index = claim & 0xffff;
    if (index >= Atomics.load(ctrl, COUNT)) return ran;
    // The CAS fails if another thread took this task, or if a new job replaced CLAIM meanwhile
    // (its tag differs): either way, look again.
    if (Atomics.compareExchange(ctrl, CLAIM, claim, claim + 1) !== claim) continue;
    try {
      runTask(kernels, table, index * TASK_WORDS, ctrl[SCRATCH + slot] >>> 0);
    } catch {
      Atomics.add(ctrl, FAILED, 1);
    }
    ran++;
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
}

function runTask(kernels, table, base, scratch) {
  for (let c = 0; c < CALLS_PER_TASK; c++) {
    const at = base + c * CALL_WORDS;
    const kernel = table[at];
    if (kernel < 0) return;
    const scratchArg = table[at + 1], count = table[at + 2];
    const args = new Array(count);
    for (let i = 0; i < count; i++) args[i] = table[at + 3 + i];
    if (scratchArg >= 0) args[scratchArg] = scratch;
    kernels[kernel].apply(undefined, args);
  }
}

/** How long a thread polls a word before it sleeps on it, in milliseconds. */
export const SPIN_MS = 1;

/**
 * Polls ctrl[word] while it equals `value`, for up to SPIN_MS; true if it changed meanwhile.
 * A model's kernels follow each other within microseconds, and waking a sleeping thread costs
 * tens of them (twice per job: the worker's wake-up, then the main thread's), so a thread that
 * finished a job keeps watching for the next one a little before it sleeps, as pthreadpool does.
 */
export function spinWhile(ctrl, word, value) {
  const until = performance.now() + SPIN_MS;
  for (;;) {
    for (let i = 0; i < 256; i++) if (Atomics.load(ctrl, word) !== value) return true;
    if (performance.now() > until) return false;
  }
}

/**
 * A worker's life after it instantiated the kernels: sleep on EPOCH, run tasks when a job is
 * published, leave when STOP is set. The thread never returns to its event loop meanwhile, which
 * is why everything it needs travels through shared memory.
 */
export function serve(kernels, ctrl, table, slot) {
  let seen = Atomics.load(ctrl, EPOCH);
  for (;;) {
    if (!spinWhile(ctrl, EPOCH, seen)) Atomics.wait(ctrl, EPOCH, seen);
    seen = Atomics.load(ctrl, EPOCH);
    if (Atomics.load(ctrl, STOP) !== 0) return;
    runTasks(kernels, ctrl, table, slot);
  }
}
