import { describeFixtureSuites } from '../helpers/fixtures.ts';

// In float64 the JS twins reproduce PyTorch's float64 to rounding noise.
describeFixtureSuites('the JS twins (float64)', { backend: 'js' }, 'float64', 1e-10);
