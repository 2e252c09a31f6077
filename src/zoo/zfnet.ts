/**
 * ZFNet: Zeiler & Fergus, "Visualizing and Understanding Convolutional Networks" (ECCV 2014,
 * arXiv 2013), the network of their Figure 3, with torchvision's AlexNet keys (features.N,
 * classifier.N) since it is AlexNet revised.
 *
 * What changed from AlexNet, as the paper reports: layer 1 has 7×7 filters at stride 2 instead of
 * 11×11 at stride 4 (their visualisations showed aliasing and dead filters), layer 2 has stride 2,
 * and the connections are dense (one GPU, no groups). Figure 3's sizes are
 * 224 → 110 → 55 → 26 → 13 → 13 → 13 → 6; our choices that reproduce them exactly:
 *   - conv1 7×7 / 2 with padding 1: ⌊(224 + 2 − 7) / 2⌋ + 1 = 110;
 *   - 3×3 / 2 max pooling rounding up (ceil mode, as Caffe pooled): 110 → 55, 26 → 13, 13 → 6;
 *   - conv2 5×5 / 2 without padding: ⌊(55 − 5) / 2⌋ + 1 = 26; conv3–5 3×3 with padding 1;
 *   - "contrast normalisation across feature maps" after the first two poolings, taken to be
 *     AlexNet's local response normalisation (n 5, α 1e-4, β 0.75, k 2; see alexnet.ts);
 *   - dropout 0.5 before fc6 and fc7; initial weights N(0, 0.01²) and zero biases (section 3).
 *
 * Parameters (weights + biases):
 *   conv1  96 · 3·7·7     +  96 =     14,208
 *   conv2 256 · 96·5·5    + 256 =    614,656
 *   conv3 384 · 256·3·3   + 384 =    885,120
 *   conv4 384 · 384·3·3   + 384 =  1,327,488
 *   conv5 256 · 384·3·3   + 256 =    884,992
 *   fc6  4096 · 9216      + 4096 = 37,752,832
 *   fc7  4096 · 4096      + 4096 = 16,781,312
 *   fc8  1000 · 4096      + 1000 =  4,097,000
 *   total                          62,357,608
 */
import { convOutputSize, poolOutputSize } from '../ops/index.ts';
import type { Tensor } from '../tensor.ts';
import type { FlattenedLinears } from '../io/torchvision.ts';
import { ReLU } from '../nn/layers/activation.ts';
import { Sequential } from '../nn/layers/container.ts';
import { Conv2d } from '../nn/layers/conv.ts';
import { Flatten } from '../nn/layers/flatten.ts';
import { MaxPool2d } from '../nn/layers/pooling.ts';
import { Module } from '../nn/module.ts';
import { alexNetClassifier, checkFixedInput, paperLocalResponseNorm } from './alexnet.ts';
import { dropoutOption, fillBiases, normalInit, scheme, zooOptions, type ResolvedZooOptions, type ZooOptions } from './common.ts';

export interface ZFNetOptions extends ZooOptions {
  /** Dropout probability before fc6 and fc7 (default 0.5). */
  dropout?: number;
}

/** Side of ZFNet's last feature map for an input side (6 for 224). */
function mapSize(side: number): number {
  const pool = (n: number) => (n >= 3 ? poolOutputSize(n, 3, 2, 0, true) : 0);
  const conv1 = side + 2 >= 7 ? convOutputSize(side, 7, 2, 1, 1, 1) : 0;
  const p1 = pool(conv1);
  const conv2 = p1 >= 5 ? convOutputSize(p1, 5, 2, 0, 0, 1) : 0;
  return pool(pool(conv2));
}

export class ZFNet extends Module {
  features: Sequential;
  flatten: Flatten;
  classifier: Sequential;
  /** For the torchvision importer: classifier.1 reads a flattened 256×6×6 map. */
  readonly flattenedLinears: FlattenedLinears = { 'classifier.1': [256, 6, 6] };

  constructor(o: ResolvedZooOptions, dropout: number) {
    super();
    const init = { ...o.init, init: scheme(o, normalInit(0.01)) };
    const pool = () => new MaxPool2d(3, { stride: 2, ceilMode: true });
    this.features = new Sequential(
      new Conv2d(3, 96, 7, { ...init, stride: 2, padding: 1 }), new ReLU(), pool(), paperLocalResponseNorm(),
      new Conv2d(96, 256, 5, { ...init, stride: 2 }), new ReLU(), pool(), paperLocalResponseNorm(),
      new Conv2d(256, 384, 3, { ...init, padding: 1 }), new ReLU(),
      new Conv2d(384, 384, 3, { ...init, padding: 1 }), new ReLU(),
      new Conv2d(384, 256, 3, { ...init, padding: 1 }), new ReLU(), pool(),
    );
    this.flatten = new Flatten();
    this.classifier = alexNetClassifier(o.numClasses, dropout, o, init.init);
    fillBiases(this, 0);
  }

  forward(x: Tensor): Tensor {
    checkFixedInput('zfnet', x, mapSize, 224);
    return this.classifier.forward(this.flatten.forward(this.features.forward(x)));
  }
}

export function zfnet(options: ZFNetOptions = {}): ZFNet {
  const o = zooOptions('zfnet', options, ['dropout']);
  return new ZFNet(o, dropoutOption('zfnet', 'dropout', options.dropout, 0.5));
}
