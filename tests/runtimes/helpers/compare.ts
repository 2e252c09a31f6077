import { expect } from 'vitest';
import type { RunResult } from '../consumer.js';

/**
 * A host's results against the reference computed in this process. The same kernel build gives the
 * same bits everywhere (the wasm is deterministic and the JS around it uses only exact arithmetic
 * and V8's own Math); the plain and the relaxed (fused multiply-add) builds differ by rounding.
 */
export function expectSameRun(actual: RunResult, expected: RunResult, where: string): void {
  expect(actual.host, `${where}: host`).toEqual(expected.host);
  expect(actual.conv, `${where}: conv2d and its gradients`).toEqual(expected.conv);
  expect(actual.lenet, `${where}: LeNet-5 probabilities`).toEqual(expected.lenet);
}
