export { loadMnist } from './mnist.ts';
export { subset, split, filterLabels, padImages, mapPixels, batchIndices, makeBatch, imageSize } from './dataset.ts';
export type { ImageDataset, Batch } from './dataset.ts';
