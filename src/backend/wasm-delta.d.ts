/** Types of wasm-delta.js (kernel builds shipped as deltas against the plain-SIMD build). */
export declare function applyDelta(base: Uint8Array, delta: Uint8Array): Uint8Array<ArrayBuffer>;
