/**
 * Everything simdnet exports, independent of how the wasm bytes arrive (the entry files add that).
 */
export { init, backend, shutdown } from './runtime.ts';
export type { InitOptions, InitResult } from './runtime.ts';
export {
  Tensor, tensor, zeros, ones, full, empty, randn, rand, tidy, keep, dispose, memory, sizeOf, formatShape,
} from './tensor.ts';
export type { Dtype, FloatDtype, Shape, TensorOptions, MemoryInfo, NestedArray } from './tensor.ts';
export { OutOfMemoryError } from './backend/allocator.ts';
export { Random, seed } from './random.ts';
export { GradientTape, noGrad } from './autograd/tape.ts';
export type { GradientOptions } from './autograd/tape.ts';
export * from './ops/index.ts';
export * as nn from './nn/index.ts';
export * as optim from './optim/index.ts';
export * as zoo from './zoo/index.ts';
export * as io from './io/index.ts';
export * as data from './data/portable.ts';
export { trainStep, trainEpoch, evaluate, argmaxRows } from './train.ts';
export type { StepInfo, EpochOptions, EpochResult, Evaluation } from './train.ts';
export * as viz from './viz/index.ts';
export { summary } from './nn/summary.ts';
export type { Summary, SummaryRow, SummaryTotals, SummaryOptions } from './nn/summary.ts';
export * as transfer from './transfer/index.ts';
