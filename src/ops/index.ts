/** The functional op layer: every op validates its arguments, runs a kernel, records its backward. */
export { add, sub, mul, div, affine, scale, relu, sigmoid, tanh, scaledTanh, exp, neg, square, broadcastShape } from './elementwise.ts';
export { sum, mean, softmax, logSoftmax, nllLoss, crossEntropy, mseLoss, hingeLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits } from './reduce.ts';
export type { ReduceOptions, Reduction } from './reduce.ts';
export { conv2d, convOutputSize, resolvePadding } from './conv.ts';
export type { Conv2dOptions, Padding } from './conv.ts';
export { maxPool2d, avgPool2d, lpPool2d, adaptiveAvgPool2d, globalAvgPool2d, poolOutputSize } from './pool.ts';
export type { PoolOptions, AvgPoolOptions, LpPoolOptions } from './pool.ts';
export { batchNorm2d, localResponseNorm } from './norm.ts';
export type { BatchNormOptions, LocalResponseNormOptions } from './norm.ts';
export { matmul, linear } from './linear.ts';
export { reshape, flatten, concat, split } from './shape.ts';
export { gather } from './gather.ts';
export { dropout } from './dropout.ts';
export type { DropoutOptions } from './dropout.ts';
export { ShapeError } from './validate.ts';
