/**
 * Small networks laid out like the zoo's big ones, for the transfer-learning tests: the
 * features / avgpool / classifier layout of AlexNet and VGG, and the stem / stages / global pool /
 * fc layout of ResNet. Each is seeded, so two instances with one seed hold the same weights.
 */
import * as sn from '../../src/index.ts';

const { Sequential, Conv2d, ReLU, MaxPool2d, AdaptiveAvgPool2d, Flatten, Dropout, Linear } = sn.nn;

/** AlexNet's layout in miniature: 12×12×1 → features 3×3×8 → avgpool(3) → classifier with fc6, fc7 and fc8. */
export class TinyAlexNet extends sn.nn.Module {
  features: sn.nn.Sequential;
  avgpool: sn.nn.AdaptiveAvgPool2d;
  flatten = new Flatten();
  classifier: sn.nn.Sequential;
  constructor(seed: number, options: { pool?: number; classes?: number } = {}) {
    super();
    const random = new sn.Random(seed);
    const pool = options.pool ?? 3;
    this.features = new Sequential(new Conv2d(1, 4, 3, { random }), new ReLU(), new MaxPool2d(2), new Conv2d(4, 8, 3, { random }), new ReLU());
    this.avgpool = new AdaptiveAvgPool2d(pool);
    this.classifier = new Sequential(
      new Dropout(0.5), new Linear(pool * pool * 8, 16, { random }), new ReLU(),
      new Dropout(0.5), new Linear(16, 12, { random }), new ReLU(),
      new Linear(12, options.classes ?? 5, { random }));
  }
  forward(x: sn.Tensor): sn.Tensor {
    return this.classifier.forward(this.flatten.forward(this.avgpool.forward(this.features.forward(x))));
  }
}

/** ResNet's layout in miniature: stem, two stages, global average pooling, fc. */
export class TinyResNet extends sn.nn.Module {
  conv1: sn.nn.Conv2d; relu = new ReLU(); layer1: sn.nn.Sequential; layer2: sn.nn.Sequential;
  avgpool = new AdaptiveAvgPool2d(1); flatten = new Flatten(); fc: sn.nn.Linear;
  constructor(seed: number) {
    super();
    const random = new sn.Random(seed);
    this.conv1 = new Conv2d(1, 4, 3, { random });
    this.layer1 = new Sequential(new Conv2d(4, 4, 3, { random }), new ReLU(), new MaxPool2d(2));
    this.layer2 = new Sequential(new Conv2d(4, 6, 3, { random }), new ReLU());
    this.fc = new Linear(6, 3, { random });
  }
  forward(x: sn.Tensor): sn.Tensor {
    // One ReLU module used twice, as torchvision's BasicBlock does.
    const h = this.relu.forward(this.layer2.forward(this.layer1.forward(this.relu.forward(this.conv1.forward(x)))));
    return this.fc.forward(this.flatten.forward(this.avgpool.forward(h)));
  }
}

/** Seeded values in [-1, 1). */
export function values(n: number, seed: number): Float32Array {
  const r = new sn.Random(seed);
  return Float32Array.from({ length: n }, () => 2 * r.uniform() - 1);
}

/** An input batch that needs no gradient, as makeBatch makes them. */
export function input(shape: number[], seed = 1): sn.Tensor {
  return sn.tensor(values(shape.reduce((a, b) => a * b, 1), seed), shape, { requiresGrad: false });
}

/** The [h, w, c] window at (y0, x0) of image n of an NHWC batch, as a [1, h, w, c] array. */
export function crop(data: Float32Array, [, H, W, C]: readonly [number, number, number, number], n: number, y0: number, x0: number, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w * C);
  for (let y = 0; y < h; y++) {
    const from = ((n * H + y0 + y) * W + x0) * C;
    out.set(data.subarray(from, from + w * C), y * w * C);
  }
  return out;
}

/** Runs `fn` without a tape and returns the values and shape of its result. */
export function run(fn: () => sn.Tensor): { data: Float32Array; shape: number[] } {
  return sn.noGrad(() => sn.tidy(() => {
    const y = fn();
    return { data: Float32Array.from(y.dataSync()), shape: [...y.shape] };
  }));
}
