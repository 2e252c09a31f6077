// Matrix multiply (kernels.ts, "matrix multiply"): C = alpha·op(A)·op(B) + beta·C, row-major.
// The blocking, packing and register tile live in conv-gemm-core.ts, shared with the convolutions;
// one to four rows times a transposed B (a Linear layer at a small batch) stream B as stored
// instead (gemm-few-rows.ts).
import { gemmEx } from "./conv-gemm-core";
import { FEW_ROWS, gemmFewRowsTransB } from "./gemm-few-rows";

export function gemm(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize): void {
  if (transB && !transA && m >= 1 && m <= FEW_ROWS && n > 0) {
    gemmFewRowsTransB(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  gemmEx(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 0, 0, scratch);
}
