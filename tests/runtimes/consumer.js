/**
 * A program that uses simdnet the way a user would: it imports the package by name and calls
 * init() with no wasm of its own. The same file runs, unchanged, in Node (main thread and
 * worker_threads), in a browser page, in a module Web Worker and in workerd; each host only hands
 * it its inputs. Plain JavaScript, so every host loads it as it is.
 *
 * Results are plain arrays of numbers (float32 values widened exactly to doubles), so they cross
 * postMessage, JSON and HTTP unchanged and the tests can compare hosts bit for bit.
 */
import * as sn from 'simdnet';

let initialised;

/** Initialises the library once per program (a second call with other options re-initialises). */
export async function ready(options = {}) {
  const key = JSON.stringify(options);
  if (!initialised || initialised.key !== key) initialised = { key, info: sn.init(options) };
  const info = await initialised.info;
  return { backend: info.backend, simd: info.simd };
}

/** Everything the runtime tests compare: a conv2d forward and its gradients, and LeNet-5 on a digit. */
export async function run({ weights, digit, init = {} }) {
  const host = await ready(init);
  return { host, conv: convWithGradients(), lenet: classify(weights, digit) };
}

/** Seeded inputs in [-1, 1): every host draws the same numbers (simdnet's Random is integer-only). */
function seeded(random, shape) {
  const size = shape.reduce((a, b) => a * b, 1);
  return sn.tensor(Float32Array.from({ length: size }, () => 2 * random.uniform() - 1), shape);
}

/** y = conv2d(x, w, b) with stride 2 and padding 1; gradients of Σ y·g with respect to x, w and b. */
export function convWithGradients() {
  return sn.tidy(() => {
    const random = new sn.Random(2024);
    const x = seeded(random, [2, 9, 9, 3]);
    const w = seeded(random, [4, 3, 3, 3]);
    const b = seeded(random, [4]);
    const g = seeded(random, [2, 5, 5, 4]);
    const tape = new sn.GradientTape();
    const y = tape.record(() => sn.conv2d(x, w, b, { stride: 2, padding: 1 }));
    const loss = tape.record(() => sn.sum(sn.mul(y, g)));
    const [dx, dw, db] = tape.gradient(loss, [x, w, b]);
    const values = (t) => Array.from(t.dataSync());
    return { y: values(y), dx: values(dx), dw: values(dw), db: values(db) };
  });
}

/**
 * LeNet-5 (modern) with the given safetensors weights on one 28×28 digit (values 0–1, row-major,
 * flat or nested): the class probabilities. Preprocessing as `npm start` trains: pad to 32×32,
 * then normalise with MNIST's mean and deviation.
 */
export function classify(weights, digit) {
  const pixels = digitPixels(digit);
  const model = sn.zoo.lenet5({ variant: 'modern' });
  try {
    model.loadStateDict(sn.io.loadSafetensors(weights instanceof Uint8Array ? weights : new Uint8Array(weights)));
    model.eval();
    return sn.noGrad(() => sn.tidy(() => {
      const input = new Float32Array(32 * 32);
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) input[(y + 2) * 32 + x + 2] = pixels[y * 28 + x];
      }
      const normalised = input.map((v) => (v - 0.1307) / 0.3081);
      const probabilities = sn.softmax(model.forward(sn.tensor(normalised, [1, 32, 32, 1])));
      return Array.from(probabilities.dataSync());
    }));
  } finally {
    model.dispose();
  }
}

/** A digit as 784 numbers in [0, 1], from 28 rows of 28 or a flat array of 784; anything else is an error. */
export function digitPixels(digit) {
  if (!Array.isArray(digit) && !ArrayBuffer.isView(digit)) {
    throw new TypeError('a digit must be an array of 28 rows of 28 numbers, or of 784 numbers');
  }
  let flat = digit;
  if (Array.isArray(digit) && Array.isArray(digit[0])) {
    const wrongRow = digit.findIndex((row) => !Array.isArray(row) || row.length !== 28);
    if (digit.length !== 28 || wrongRow >= 0) {
      throw new RangeError(`a digit given as rows must have 28 rows of 28 pixels, got ${digit.length} rows` +
        (wrongRow >= 0 ? `, row ${wrongRow} of ${Array.isArray(digit[wrongRow]) ? digit[wrongRow].length : 'no'} pixels` : ''));
    }
    flat = digit.flat();
  }
  if (flat.length !== 784) throw new RangeError(`a digit must have 28×28 = 784 pixels, got ${flat.length}`);
  for (let i = 0; i < 784; i++) {
    const v = flat[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RangeError(`pixel ${i} must be a number from 0 to 1, got ${JSON.stringify(v)}`);
  }
  return Float32Array.from(flat);
}
