/** The relaxed-SIMD kernels as a compiled module (a module import: workerd, wrangler). */
declare const kernels: WebAssembly.Module;
export default kernels;
