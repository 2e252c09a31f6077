/** The parts of src/data that run everywhere (no bundled MNIST): exported from the core as `sn.data`. */
export * from './dataset.ts';
export * from './augment.ts';
