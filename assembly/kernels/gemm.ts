// Matrix multiply (kernels.ts, "matrix multiply"): C = alpha·op(A)·op(B) + beta·C, row-major.
// The blocking, packing and register tile live in conv-gemm-core.ts, shared with the convolutions.
import { gemmEx } from "./conv-gemm-core";

export function gemm(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize): void {
  gemmEx(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 0, 0, scratch);
}
