/** Types of thread-tasks.js (the task protocol shared by the main thread and the workers). */

export declare const EPOCH: number;
export declare const CLAIM: number;
export declare const COUNT: number;
export declare const DONE: number;
export declare const STOP: number;
export declare const FAILED: number;
export declare const SCRATCH: number;
export declare const MAX_THREADS: number;
export declare const CONTROL_WORDS: number;
export declare const MAX_TASKS: number;
export declare const CALLS_PER_TASK: number;
export declare const MAX_ARGS: number;
export declare const CALL_WORDS: number;
export declare const TASK_WORDS: number;
export declare const SPIN_MS: number;

export type KernelFunction = (...args: number[]) => void;

export declare function runTasks(kernels: readonly KernelFunction[], ctrl: Int32Array, table: Float64Array, slot: number): number;
export declare function spinWhile(ctrl: Int32Array, word: number, value: number): boolean;
export declare function serve(kernels: readonly KernelFunction[], ctrl: Int32Array, table: Float64Array, slot: number): void;
