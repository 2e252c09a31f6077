/**
 * Transfer learning (CS231n, "Transfer Learning"): CNN codes from a pretrained network, a new
 * head, frozen layers and per-group learning rates, linear classifiers on codes, and
 * fully connected layers turned into convolutions.
 */
export { ModulePathError, locate } from './paths.ts';
export type { ModulePath, Located } from './paths.ts';
export { findHead, replaceHead, removeHead, featureExtractor, FeatureExtractor } from './head.ts';
export type { HeadOptions, ReplaceHeadOptions, FeatureExtractorOptions } from './head.ts';
export { freeze, unfreeze, parameterGroups } from './freeze.ts';
export type { LayerSelection, ParameterGroupOptions, LrGroup } from './freeze.ts';
export { extractCodes, LinearClassifier, trainLinearClassifier } from './codes.ts';
export type { LinearClassifierOptions } from './codes.ts';
export { convolutionalize, ConvolutionalizeError } from '../nn/convolutionalize.ts';
export type { ConvolutionalizeOptions } from '../nn/convolutionalize.ts';
