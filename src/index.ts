/**
 * The default entry (Node, browsers, Workers, bundlers): the kernels travel inside this package as
 * base64, so loading needs neither fetch nor fs. workerd, which forbids compiling bytes, uses
 * index.workerd.ts instead (chosen by the package's `exports` conditions). Threads are opt-in:
 * `import 'simdnet/threads'` (src/threads.ts, src/threads.node.ts).
 */
import simd from '../build/simdnet.simd.wasm.js';
import relaxed from '../build/simdnet.relaxed.wasm.js';
import { inflateEmbedded, inflateEmbeddedDelta } from './backend/base64.ts';
import { setDefaultModules } from './runtime.ts';

setDefaultModules({ simd: () => inflateEmbedded(simd), relaxed: () => inflateEmbeddedDelta(relaxed, simd) });

export * from './core.ts';
