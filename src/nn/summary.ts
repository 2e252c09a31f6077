/**
 * summary(model, inputShape): a layer-by-layer account of one forward pass — output shapes,
 * activation memory, parameters and multiply-adds — like torchsummary, from a real forward pass
 * on zeros (so any architecture works, with no shape rules to keep in sync).
 *
 * How it counts:
 * - Rows are the calls of leaf modules (modules without children, and any module that owns
 *   parameters directly), in execution order; a module called twice gives two rows, and its
 *   parameters are counted at its first call. The input is the first row.
 * - Activations are the values of each row's output, each output counted once. By default
 *   (`countInPlace: false`, the classic accounting of CS231n's VGG table) the outputs of ReLU and
 *   the other pointwise activations, Dropout, Identity and Flatten are not counted: frameworks run
 *   those in place or as views of the previous output. Nor is an adaptive pooling that keeps the
 *   size (VGG's AdaptiveAvgPool2d(7) on a 7×7 map), which is the identity. `countInPlace: true`
 *   counts every output.
 *   For VGG-16 on 224×224×3 this reproduces every row of CS231n's table; the rows sum to
 *   15,237,608 values (61 MB in float32). The table's own total line, "24M * 4 bytes ~= 93MB",
 *   is not the sum of its rows (a known slip in those notes); counting the ReLU outputs as well
 *   gives 28.8 M, so no consistent accounting yields 24 M.
 * - Multiply-adds are those of convolutions (outputs × kh·kw·inChannels/groups) and linear layers
 *   (outputs × inFeatures), which dominate; a module may report its own through a
 *   `multiplyAdds(input, output)` method.
 * - Totals: parameters are the model's own count (those of modules the forward pass did not reach,
 *   e.g. auxiliary heads, appear as `parametersNotRun`); activations and multiply-adds are the sums
 *   of the rows.
 *
 * The pass runs in evaluation mode under noGrad (no running statistics change, nothing is
 * recorded); the model's modes and methods are restored afterwards, even if the pass throws.
 */
import { noGrad } from '../autograd/tape.ts';
import { BYTES_PER_ELEMENT } from '../backend/backend.ts';
import { formatShape, sizeOf, Tensor, tidy, zeros } from '../tensor.ts';
import { ReLU, ScaledTanh, Sigmoid, Tanh } from './layers/activation.ts';
import { Conv2d } from './layers/conv.ts';
import { Dropout } from './layers/dropout.ts';
import { Flatten, Identity } from './layers/flatten.ts';
import { Linear } from './layers/linear.ts';
import { AdaptiveAvgPool2d } from './layers/pooling.ts';
import { Module } from './module.ts';

export interface SummaryRow {
  /** The module's path in the model ('(input)' for the input row). */
  name: string;
  /** The module's class. */
  type: string;
  outputShape: number[];
  /** Values counted as activation memory (0 for in-place outputs and views unless countInPlace). */
  activations: number;
  activationBytes: number;
  /** Parameters of this module (0 at a repeated call). */
  parameters: number;
  multiplyAdds: number;
  /** Whether the output is a view or a candidate for in-place computation. */
  inPlace: boolean;
}

export interface SummaryTotals {
  parameters: number;
  trainableParameters: number;
  parameterBytes: number;
  /** Parameters of modules the forward pass never called. */
  parametersNotRun: number;
  activations: number;
  activationBytes: number;
  multiplyAdds: number;
}

export interface Summary {
  rows: SummaryRow[];
  totals: SummaryTotals;
  /** A text table with the totals below it. */
  toString(): string;
}

export interface SummaryOptions {
  /** Count the outputs of in-place layers and views too (default false, see above). */
  countInPlace?: boolean;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Layers whose output PyTorch computes in place or as a view. */
const IN_PLACE: (abstract new (...args: never[]) => Module)[] = [ReLU, Sigmoid, Tanh, ScaledTanh, Dropout, Identity, Flatten];

type CustomCost = { multiplyAdds(input: Tensor, output: Tensor): number };

function multiplyAddsOf(m: Module, input: Tensor, output: Tensor): number {
  if (m instanceof Conv2d) return output.size * m.kernelSize[0] * m.kernelSize[1] * (m.inChannels / (m.options.groups ?? 1));
  if (m instanceof Linear) return output.size * m.inFeatures;
  const custom = (m as Partial<CustomCost>).multiplyAdds;
  return typeof custom === 'function' ? custom.call(m, input, output) : 0;
}

/** Parameters a module owns itself (not through children). */
function ownParameters(m: Module): number {
  return m.numParameters() - m.namedChildren().reduce((n, [, c]) => n + c.numParameters(), 0);
}

function checkInputShape(inputShape: unknown): number[] {
  if (!Array.isArray(inputShape) || inputShape.length === 0 || inputShape.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    throw new TypeError(`simdnet: summary: inputShape must be a non-empty array of positive integers (NHWC, e.g. [1, 224, 224, 3]), got ${JSON.stringify(inputShape)}`);
  }
  return [...inputShape] as number[];
}

export function summary(model: Module, inputShape: readonly number[], options: SummaryOptions = {}): Summary {
  if (!(model instanceof Module)) throw new TypeError('simdnet: summary: model must be a Module');
  const shape = checkInputShape(inputShape);
  const countInPlace = options.countInPlace ?? false;
  if (typeof countInPlace !== 'boolean') throw new TypeError(`simdnet: summary: countInPlace must be a boolean, got ${String(countInPlace)}`);

  const rows: SummaryRow[] = [{
    name: '(input)', type: 'Input', outputShape: shape, activations: sizeOf(shape), activationBytes: sizeOf(shape) * 4,
    parameters: 0, multiplyAdds: 0, inPlace: false,
  }];
  const seen = new Set<Module>();
  const tracked = model.namedModules().filter(([, m]) => m.namedChildren().length === 0 || ownParameters(m) > 0);
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  const restore: (() => void)[] = [];

  for (const [name, m] of tracked) {
    const own = Object.getOwnPropertyDescriptor(m, 'forward');
    const original = m.forward;
    // Wrapped on the instance only, so the class (and other instances) never see it.
    m.forward = (x: Tensor): Tensor => {
      const y = original.call(m, x);
      if (y instanceof Tensor) {
        const inPlace = IN_PLACE.some((type) => m instanceof type) || (m instanceof AdaptiveAvgPool2d && sameShape(x.shape, y.shape));
        const counted = inPlace && !countInPlace ? 0 : y.size;
        rows.push({
          name, type: m.constructor.name, outputShape: [...y.shape], activations: counted,
          activationBytes: counted * BYTES_PER_ELEMENT[y.dtype], parameters: seen.has(m) ? 0 : ownParameters(m),
          multiplyAdds: multiplyAddsOf(m, x, y), inPlace,
        });
        seen.add(m);
      }
      return y;
    };
    restore.push(() => {
      if (own) Object.defineProperty(m, 'forward', own);
      else delete (m as { forward?: unknown }).forward;
    });
  }

  // tidy does not dispose when its function throws, so a failure is caught inside it and rethrown
  // once the pass's tensors are gone.
  let failure: { error: unknown } | undefined;
  try {
    model.eval();
    tidy(() => noGrad(() => {
      try { model.forward(zeros(shape)); } catch (error) { failure = { error }; }
    }));
  } finally {
    for (const undo of restore) undo();
    for (const [m, training] of modes) m.training = training;
  }
  if (failure) throw failure.error;

  const parameters = model.numParameters();
  const run = rows.reduce((n, r) => n + r.parameters, 0);
  const totals: SummaryTotals = {
    parameters,
    trainableParameters: model.numParameters({ trainableOnly: true }),
    parameterBytes: model.parameters().reduce((n, t) => n + t.size * BYTES_PER_ELEMENT[t.dtype], 0),
    parametersNotRun: parameters - run,
    activations: rows.reduce((n, r) => n + r.activations, 0),
    activationBytes: rows.reduce((n, r) => n + r.activationBytes, 0),
    multiplyAdds: rows.reduce((n, r) => n + r.multiplyAdds, 0),
  };
  return { rows, totals, toString: () => formatSummary(rows, totals, countInPlace) };
}

const int = (n: number) => n.toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

function scaled(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  return int(n);
}

function formatSummary(rows: SummaryRow[], totals: SummaryTotals, countInPlace: boolean): string {
  const header = ['Layer (type)', 'Output shape', 'Activations', 'Param #', 'Mult-adds'];
  const cells = rows.map((r) => [
    `${r.name} (${r.type})`, formatShape(r.outputShape),
    r.inPlace && !countInPlace ? '(in place)' : int(r.activations), int(r.parameters), int(r.multiplyAdds),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const out = [rule, line(header), rule.replace(/-/g, '='), ...cells.map(line), rule.replace(/-/g, '=')];
  out.push(`Parameters: ${int(totals.parameters)} (${mb(totals.parameterBytes)}), trainable ${int(totals.trainableParameters)}` +
    (totals.parametersNotRun ? `, ${int(totals.parametersNotRun)} in modules the forward pass did not run` : ''));
  out.push(`Activations, one forward pass: ${int(totals.activations)} values (${mb(totals.activationBytes)}); ` +
    (countInPlace ? 'every output counted' : 'the input and each output once; in-place layers and views not counted'));
  out.push(`Multiply-adds: ${scaled(totals.multiplyAdds)} (${int(totals.multiplyAdds)})`);
  out.push(rule);
  return out.join('\n');
}
