import type { Kernels } from '../kernels.ts';
import type { JsMemory } from './memory.ts';

/** JS twin of assembly/kernels/gemm.ts: the textbook triple loop, summing in double precision. */
export function gemmKernels(mem: JsMemory): Pick<Kernels, 'gemm'> {
  return {
    gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      const f = mem.float, s = mem.shift;
      const ao = a >> s, bo = b >> s, co = c >> s;
      // op(X)[i, p] as an offset: strides swap when the operand is transposed.
      const [ari, arp] = transA ? [1, lda] : [lda, 1];
      const [bpr, bpj] = transB ? [1, ldb] : [ldb, 1];
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let sum = 0;
          for (let p = 0; p < k; p++) sum += f[ao + i * ari + p * arp]! * f[bo + p * bpr + j * bpj]!;
          const ci = co + i * ldc + j;
          // beta = 0 must not read C: it may hold NaN.
          f[ci] = beta === 0 ? alpha * sum : alpha * sum + beta * f[ci]!;
        }
      }
    },
  };
}
