/**
 * The planar kernels (few input channels) sum in another order than the GEMM path, and whether
 * they run depends on the image size: a band of rows of an image too big for them can fit them.
 * A split forward must not change paths, so with the filter as stored (no packed copy: the memory
 * for one was lacking) such a forward runs whole; with a packed filter the bands stay on the GEMM
 * path and split (tests/threads/cases.ts).
 */
import { afterAll, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import '../../src/threads.node.ts';
import {
  CONV_C, CONV_DH, CONV_DW, CONV_GROUPS, CONV_H, CONV_KH, CONV_KW, CONV_N, CONV_OC, CONV_OH, CONV_OW,
  CONV_PAD_L, CONV_PAD_T, CONV_SH, CONV_SW, CONV_W, CONV_WORDS,
} from '../../src/backend/geometry.ts';
import { conv2dScratchBytes, planarScratchFloats } from '../../src/backend/scratch.ts';

afterAll(() => sn.shutdown());

it('an unpacked forward whose row bands would be planar runs whole, giving the bits of one thread', async () => {
  const g = new Int32Array(CONV_WORDS);
  g[CONV_N] = 1; g[CONV_H] = 608; g[CONV_W] = 608; g[CONV_C] = 3; g[CONV_OC] = 8; g[CONV_KH] = 3; g[CONV_KW] = 3;
  g[CONV_SH] = 1; g[CONV_SW] = 1; g[CONV_PAD_T] = 1; g[CONV_PAD_L] = 1; g[CONV_DH] = 1; g[CONV_DW] = 1;
  g[CONV_GROUPS] = 1; g[CONV_OH] = 608; g[CONV_OW] = 608;
  expect(planarScratchFloats('forward', g), 'the whole image takes the GEMM path').toBeUndefined();
  const band = g.slice();
  band[CONV_H] = 100; band[CONV_OH] = 100;
  expect(planarScratchFloats('forward', band), 'a band of it would be planar').toBeDefined();

  const run = async (threads: number) => {
    await sn.init({ threads, minParallelWork: 0 });
    const be = sn.backend(), k = be.kernels('float32');
    const x = sn.randn([1, 608, 608, 3], { seed: 1 }), w = sn.randn([8, 3, 3, 3], { seed: 2 });
    const y = sn.zeros([1, 608, 608, 8]);
    const scratch = be.scratch(conv2dScratchBytes('forward', g));
    k.conv2dForward(be.params(g), x.ptr, w.ptr, 0, y.ptr, scratch);
    const bits = new Uint32Array((y.dataSync() as Float32Array).buffer);
    const splits = be.threadPool?.stats.splits.conv2dForward ?? 0;
    sn.dispose([x, w, y]);
    return { bits, splits };
  };
  const one = await run(1), two = await run(2);
  expect(two.splits, 'declined to split').toBe(0);
  expect(two.bits).toEqual(one.bits);
});
