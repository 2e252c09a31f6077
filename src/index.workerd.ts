/**
 * The workerd entry (Cloudflare Workers, chosen by the package's "workerd" export condition, which
 * wrangler prefers): workerd forbids compiling bytes at run time, so the kernels arrive as module
 * imports that the host has already compiled (wrangler's CompiledWasm rule for *.wasm).
 */
import simd from '../build/simdnet.simd.wasm';
import relaxed from '../build/simdnet.relaxed.wasm';
import { setDefaultModules } from './runtime.ts';

setDefaultModules({ simd: () => simd, relaxed: () => relaxed });

export * from './core.ts';
