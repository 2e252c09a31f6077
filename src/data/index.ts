export { loadMnist } from './mnist.ts';
export { subset, split, filterLabels, padImages, mapPixels, batchIndices, makeBatch, imageSize } from './dataset.ts';
export type { ImageDataset, Batch } from './dataset.ts';
export { shiftImage, rotateImage, randomShiftRotate, randomPermutation, permutePixels, shiftDataset } from './augment.ts';
export type { ImageGeometry, AugmentOptions } from './augment.ts';
