/**
 * Claim: parameter sharing. A convolution applies the same small filter at every position, so its
 * parameter count does not depend on the image size; a fully connected layer producing the same
 * output map needs a weight from every input value to every output value.
 *
 * The counts come from the library's shape arithmetic (src/nn/count.ts: what a Conv2d / Linear of
 * that configuration holds, and conv2d's output size), not typed in; where the layer fits in
 * memory it is also built and its numParameters() compared.
 *
 *   npm run exp:sharing -- --height 3000 --width 2000 --kernel 5
 */
import * as sn from '../../src/index.ts';
import { conv2dOutputShape, conv2dParameterCount, denseEquivalent, linearParameterCount, type Conv2dConfig } from '../../src/nn/count.ts';
import { startExperiment } from '../lib/experiment.ts';
import { count, scientific } from '../lib/format.ts';
import { Table } from '../lib/table.ts';

const { args, report, finish } = await startExperiment('Parameter sharing: a conv layer against the dense layer with the same output', {
  seed: 1, height: 3000, width: 2000, kernel: 5, allocateLimit: 10_000_000,
});

interface Row { name: string; input: [number, number]; conv: Conv2dConfig }
const k = args.kernel;
const rows: Row[] = [
  { name: `one ${k}×${k} filter, no bias`, input: [args.height, args.width], conv: { inChannels: 1, outChannels: 1, kernelSize: k, padding: 'same', bias: false } },
  { name: `one ${k}×${k} filter and its bias`, input: [args.height, args.width], conv: { inChannels: 1, outChannels: 1, kernelSize: k, padding: 'same' } },
  { name: `16 ${k}×${k} filters on RGB`, input: [args.height, args.width], conv: { inChannels: 3, outChannels: 16, kernelSize: k, padding: 'same' } },
  { name: 'LeNet-5 C1 (6 filters 5×5)', input: [32, 32], conv: { inChannels: 1, outChannels: 6, kernelSize: 5 } },
  { name: 'LeNet-5 conv2 (16 filters 5×5×6)', input: [14, 14], conv: { inChannels: 6, outChannels: 16, kernelSize: 5 } },
];

const table = new Table('Parameters of a convolution and of the fully connected layer computing the same output map',
  ['layer', 'input', 'output map', 'conv parameters', 'dense parameters', 'dense / conv', 'dense weights in float32']);
const checks = new Table('The same numbers from layers actually built (where they fit in memory)',
  ['layer', 'Conv2d numParameters()', 'conv2d output shape', 'Linear numParameters()']);
for (const { name, input, conv } of rows) {
  const [oh, ow, oc] = conv2dOutputShape(conv, input);
  const convParams = conv2dParameterCount(conv);
  const dense = denseEquivalent(conv, input);
  const denseParams = linearParameterCount(dense);
  table.add(name, `${input[0]}×${input[1]}×${conv.inChannels}`, `${oh}×${ow}×${oc}`, count(convParams),
    `${count(denseParams)} (${scientific(denseParams)})`, scientific(denseParams / convParams), bytes(4 * denseParams));

  // The shape arithmetic against real layers, wherever they fit in memory.
  const layer = new sn.nn.Conv2d(conv.inChannels, conv.outChannels, conv.kernelSize, { bias: conv.bias, padding: conv.padding });
  const built = layer.numParameters();
  const y = sn.noGrad(() => sn.tidy(() => (input[0] * input[1] <= args.allocateLimit ? layer.forward(sn.zeros([1, input[0], input[1], conv.inChannels])).shape.slice(1) : undefined)));
  layer.dispose();
  if (built !== convParams) throw new Error(`${name}: Conv2d holds ${built} parameters, the count says ${convParams}`);
  if (y && y.join() !== [oh, ow, oc].join()) throw new Error(`${name}: conv2d produced ${y.join('×')}, the count says ${oh}×${ow}×${oc}`);
  let denseBuilt = 'too large to build';
  if (denseParams <= args.allocateLimit) {
    const linear = new sn.nn.Linear(dense.inFeatures, dense.outFeatures, { bias: dense.bias });
    if (linear.numParameters() !== denseParams) throw new Error(`${name}: Linear holds ${linear.numParameters()} parameters, the count says ${denseParams}`);
    denseBuilt = count(linear.numParameters());
    linear.dispose();
  }
  checks.add(name, count(built), y ? y.join('×') : 'not run', denseBuilt);
}
report.table(table);
report.note(`Padding 'same' where the input is ${args.height}×${args.width} (the output map keeps the input's size), none for the LeNet-5 layers. ` +
  'A conv layer has one weight per filter tap and channel pair and one bias per output channel; the dense layer has a weight for every ' +
  '(input value, output value) pair and a bias per output value.');
report.table(checks);
finish();

/** Bytes with a binary-free SI unit: "144 TB". */
function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${Number(n.toPrecision(3))} ${units[i]}`;
}
