/** Layers, losses and initialisers, named as in torch.nn. */
export { Module, parameter, buffer, isParameter, StateDictError } from './module.ts';
export type { StateDict, StateValue, LoadOptions } from './module.ts';
export { Conv2d } from './layers/conv.ts';
export type { Conv2dLayerOptions } from './layers/conv.ts';
export { Linear } from './layers/linear.ts';
export { MaxPool2d, AvgPool2d, LPPool2d, AdaptiveAvgPool2d } from './layers/pooling.ts';
export { ReLU, Sigmoid, Tanh, ScaledTanh, Softmax, LogSoftmax } from './layers/activation.ts';
export { BatchNorm2d, LocalResponseNorm } from './layers/normalization.ts';
export { Dropout } from './layers/dropout.ts';
export { Flatten, Identity } from './layers/flatten.ts';
export { Sequential } from './layers/container.ts';
export { CrossEntropyLoss, MSELoss } from './layers/loss.ts';
export * as init from './init.ts';
export { conv2dParameterCount, linearParameterCount, conv2dOutputShape, denseEquivalent } from './count.ts';
export type { Conv2dConfig, LinearConfig } from './count.ts';
