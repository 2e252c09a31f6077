import { describeFixtureSuites } from '../helpers/fixtures.ts';

// The bar: every op, forward and every gradient, within 1e-5 relative (L2) of PyTorch's float64.
describeFixtureSuites('the wasm kernels (float32)', { backend: 'wasm' }, 'float32', 1e-5);
