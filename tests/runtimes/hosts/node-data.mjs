/**
 * Node host for the `simdnet/data` subpath: MNIST from the `mnist` package, batched into tensors
 * that the main entry's ops accept (both entries share one runtime state). Prints a summary as JSON.
 */
import * as sn from 'simdnet';
import { loadMnist, makeBatch, padImages } from 'simdnet/data';

await sn.init();
const digits = padImages(loadMnist(), 2);
const { x, y } = makeBatch(digits, Int32Array.from([0, 5000, 9999]));
const pooled = sn.maxPool2d(x, { kernelSize: 2 });
process.stdout.write(JSON.stringify({
  count: digits.count, shape: x.shape, labels: Array.from(y.dataSync()), pooled: pooled.shape, inUse: sn.memory().liveTensors,
}));
