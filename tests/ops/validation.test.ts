/**
 * Bad input gets an error naming the op, the argument, the expected and the actual value — before
 * any kernel runs, so no memory is lost and nothing is written.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

const x4 = () => sn.zeros([2, 8, 8, 3]);

const cases: [string, () => unknown, RegExp][] = [
  ['conv2d with a rank-3 input', () => sn.conv2d(sn.zeros([8, 8, 3]), sn.zeros([4, 3, 3, 3])), /conv2d: x must have rank 4 \(NHWC: \[batch, height, width, channels\]\), got shape \[8, 8, 3\]/],
  ['conv2d with filters for the wrong channel count', () => sn.conv2d(x4(), sn.zeros([4, 3, 3, 2])), /conv2d: w must have shape \[outChannels, kh, kw, 3\] \(OHWI; input channels 3 \/ groups 1\), got \[4, 3, 3, 2\]/],
  ['conv2d with groups that do not divide the channels', () => sn.conv2d(x4(), sn.zeros([4, 3, 3, 1]), null, { groups: 2 }), /input's 3 channels are not divisible by groups = 2/],
  ['conv2d with a bias of the wrong size', () => sn.conv2d(x4(), sn.zeros([4, 3, 3, 3]), sn.zeros([5])), /b must have shape \[4\]/],
  ['conv2d with a kernel larger than the padded input', () => sn.conv2d(x4(), sn.zeros([4, 11, 11, 3])), /smaller than the 11×11 kernel/],
  ['conv2d with a zero stride', () => sn.conv2d(x4(), sn.zeros([4, 3, 3, 3]), null, { stride: 0 }), /stride must be a positive integer, got 0/],
  ['conv2d with a misspelt option', () => sn.conv2d(x4(), sn.zeros([4, 3, 3, 3]), null, { strides: 2 } as never), /unknown option 'strides'/],
  ['conv2d with unknown padding', () => sn.conv2d(x4(), sn.zeros([4, 3, 3, 3]), null, { padding: 'full' as never }), /padding must be a number, \[h, w\], \[top, bottom, left, right\], 'same' or 'valid', got "full"/],
  ['conv2d mixing float32 and int32', () => sn.conv2d(x4(), sn.zeros([4, 3, 3, 3], 'int32')), /w must be a float tensor, got int32/],
  ['maxPool2d without options', () => sn.maxPool2d(x4(), undefined as never), /options with kernelSize are required/],
  ['maxPool2d with padding over half the kernel', () => sn.maxPool2d(x4(), { kernelSize: 2, padding: 2 }), /padding 2×2 must be at most half the kernel 2×2/],
  ['avgPool2d with a non-boolean ceilMode', () => sn.avgPool2d(x4(), { kernelSize: 2, ceilMode: 1 as never }), /ceilMode must be a boolean, got 1/],
  ['lpPool2d with a non-positive p', () => sn.lpPool2d(x4(), { normType: 0, kernelSize: 2 }), /normType must be positive, got 0/],
  ['add with shapes that do not broadcast', () => sn.add(sn.zeros([2, 3]), sn.zeros([4])), /add: shapes \[2, 3\] and \[4\] cannot be broadcast together/],
  ['matmul with mismatched inner dimensions', () => sn.matmul(sn.zeros([2, 3]), sn.zeros([4, 5])), /inner dimensions 3 and 4 differ/],
  ['linear with the wrong number of features', () => sn.linear(sn.zeros([2, 3]), sn.zeros([4, 5])), /x has 3 features .* but w \[4, 5\] expects 5/],
  ['crossEntropy with a label out of range', () => sn.crossEntropy(sn.zeros([2, 3]), sn.tensor([0, 3], [2], 'int32')), /labels\[1\] is 3, outside the 3 classes \[0, 2\]/],
  ['crossEntropy with float labels', () => sn.crossEntropy(sn.zeros([2, 3]), sn.zeros([2])), /labels must be an int32 tensor, got float32/],
  ['crossEntropy with too few labels', () => sn.crossEntropy(sn.zeros([2, 3]), sn.tensor([0], [1], 'int32')), /labels has 1 entries for 2 rows/],
  ['binaryCrossEntropyWithLogits with targets of another shape', () => sn.binaryCrossEntropyWithLogits(sn.zeros([2, 3]), sn.zeros([3, 2])), /binaryCrossEntropyWithLogits: logits \[2, 3\] and targets \[3, 2\] must have the same shape/],
  ['binaryCrossEntropyWithLogits with a target outside [0, 1]', () => sn.binaryCrossEntropyWithLogits(sn.zeros([2]), sn.tensor([1, 2], [2])), /targets\[1\] is 2, outside \[0, 1\]/],
  ['binaryCrossEntropy with a probability outside [0, 1]', () => sn.binaryCrossEntropy(sn.tensor([0.5, -0.25], [2]), sn.zeros([2])), /binaryCrossEntropy: probabilities\[1\] is -0.25, outside \[0, 1\]/],
  ['binaryCrossEntropy with integer labels as targets', () => sn.binaryCrossEntropy(sn.zeros([2]), sn.tensor([0, 1], [2], 'int32')), /targets must be a float tensor, got int32/],
  ['softmax along a missing axis', () => sn.softmax(sn.zeros([2, 3]), { axis: 2 }), /axis must be an integer in \[-2, 1\], got 2/],
  ['batchNorm2d inference without running statistics', () => sn.batchNorm2d(x4(), null, null, null, null), /inference \(training: false\) needs runningMean and runningVar/],
  ['batchNorm2d with a gamma of the wrong size', () => sn.batchNorm2d(x4(), null, null, sn.ones([4]), null, { training: true }), /weight must have shape \[3\]/],
  ['dropout with p = 1', () => sn.dropout(x4(), { p: 1 }), /p must be in \[0, 1\), got 1/],
  ['concat with mismatched shapes', () => sn.concat([sn.zeros([1, 2, 2, 3]), sn.zeros([1, 3, 2, 3])], 3), /tensors\[1\] has shape \[1, 3, 2, 3\], which differs/],
  ['reshape to a different size', () => sn.reshape(sn.zeros([2, 3]), [4, 2]), /cannot view 6 elements of shape \[2, 3\] as \[4, 2\]/],
  ['a non-tensor argument', () => sn.relu([1, 2] as never), /relu: x must be a Tensor, got \[1, 2\]/],
];

describe('argument validation', () => {
  for (const [name, call, message] of cases) {
    it(`${name} is refused with a message naming what was wrong, and leaks nothing`, () => {
      sn.tidy(() => {
        const before = sn.memory();
        expect(call).toThrowError(message);
        // Only the test's own inputs were allocated: no op output leaked past the failure.
        const after = sn.memory();
        expect(after.liveTensors - before.liveTensors).toBeLessThanOrEqual(3);
      });
    });
  }

  it('a failed op leaves memory exactly where it was once its inputs are gone', () => {
    const before = sn.memory().bytesInUse;
    sn.tidy(() => { expect(() => sn.conv2d(x4(), sn.zeros([4, 3, 3, 2]))).toThrowError(); });
    expect(sn.memory().bytesInUse).toBe(before);
  });
});
