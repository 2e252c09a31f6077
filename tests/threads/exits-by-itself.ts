/**
 * Run by lifecycle.test.ts in a child process: starts two kernel threads, runs a split
 * convolution, and ends without calling shutdown(). The process must exit on its own.
 */
import * as sn from '../../src/index.ts';
import '../../src/threads.node.ts';

const info = await sn.init({ threads: 2, minParallelWork: 0 });
const y = sn.conv2d(sn.randn([1, 16, 16, 8], { seed: 1 }), sn.randn([8, 3, 3, 8], { seed: 2 }), null, { padding: 1 });
const split = sn.backend().threadPool?.stats.splits.conv2dForward ?? 0;
console.log(`threads ${info.threads}, split ${split}, y ${y.shape.join('×')}`);
