/**
 * Run by lifecycle.test.ts in a child process: starts two kernel threads, runs a split
 * convolution, and ends without calling shutdown(). The process must exit on its own.
 */
import * as sn from '../../src/index.ts';
import '../../src/threads.node.ts';

const info = await sn.init({ threads: 2, minParallelWork: 0 });
const shape = sn.tidy(() => sn.conv2d(sn.randn([1, 16, 16, 8], { seed: 1 }), sn.randn([8, 3, 3, 8], { seed: 2 }), null, { padding: 1 }).shape);
const split = sn.backend().threadPool?.stats.splits.conv2dForward ?? 0;
// Everything is disposed, so no leak warning can reach stderr while the process winds down.
console.log(`threads ${info.threads}, split ${split}, y ${shape.join('×')}`);
