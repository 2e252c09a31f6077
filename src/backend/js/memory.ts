import type { HeapViews } from '../heap.ts';

/**
 * What a JS twin sees of the linear memory: the float view of the backend's float type and the
 * int32 view. Pointers stay byte offsets, as for the wasm kernels; `ptr >> shift` indexes `float`.
 * Read the views at the start of each kernel call (they are remade after the memory grows).
 */
export interface JsMemory {
  readonly float: Float32Array | Float64Array;
  readonly i32: Int32Array;
  /** log2 of the float type's size: 2 for float32, 3 for float64. */
  readonly shift: 2 | 3;
  /** Rounds a value to the float type (Math.fround for float32), for twins that must match bit for bit. */
  readonly round: (x: number) => number;
}

export function jsMemory(views: HeapViews, dtype: 'float32' | 'float64'): JsMemory {
  const f64 = dtype === 'float64';
  return {
    get float() { return f64 ? views.f64 : views.f32; },
    get i32() { return views.i32; },
    shift: f64 ? 3 : 2,
    round: f64 ? (x: number) => x : Math.fround,
  };
}
