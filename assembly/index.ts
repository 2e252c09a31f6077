// The one wasm module: every kernel family re-exported. Kernels are pure functions on pointers
// (see src/backend/kernels.ts for the contract); nothing here allocates.

/** First byte above the module's static data; the host allocator starts above it (rounded up). */
export function heapBase(): usize {
  return __heap_base;
}

export * from "./kernels/elementwise";
export * from "./kernels/gemm";
export * from "./kernels/conv";
export * from "./kernels/pool";
export * from "./kernels/reduce";
export * from "./kernels/norm";
export * from "./kernels/random";
export * from "./kernels/optim";
