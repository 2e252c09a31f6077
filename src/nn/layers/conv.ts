import { conv2d, type Conv2dOptions, type Padding } from '../../ops/conv.ts';
import { fail, pair, positiveInt } from '../../ops/validate.ts';
import { formatShape, Tensor } from '../../tensor.ts';
import { fans, initWeight, pytorchDefault, type InitOptions, type Initializer } from '../init.ts';
import { Module, parameter } from '../module.ts';

export interface Conv2dLayerOptions extends InitOptions {
  stride?: number | [number, number];
  padding?: Padding;
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
  /** Weight initialisation (default PyTorch's U(±1/√fanIn)). */
  init?: Initializer;
}

/** 2-D convolution layer: weight [outChannels, kh, kw, inChannels / groups] (OHWI), bias [outChannels]. */
export class Conv2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly options: Conv2dOptions;

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: number | [number, number],
    options: Conv2dLayerOptions = {}) {
    super();
    positiveInt('Conv2d', 'inChannels', inChannels);
    positiveInt('Conv2d', 'outChannels', outChannels);
    this.kernelSize = pair('Conv2d', 'kernelSize', kernelSize);
    const groups = positiveInt('Conv2d', 'groups', options.groups ?? 1);
    if (inChannels % groups || outChannels % groups) fail('Conv2d', `inChannels ${inChannels} and outChannels ${outChannels} must be divisible by groups ${groups}`);
    const shape = [outChannels, this.kernelSize[0], this.kernelSize[1], inChannels / groups];
    this.weight = parameter(initWeight(options.init ?? 'pytorch', shape, options));
    this.bias = options.bias === false ? null : parameter(pytorchDefault([outChannels], fans(shape).fanIn, options));
    this.options = { stride: options.stride ?? 1, padding: options.padding ?? 0, dilation: options.dilation ?? 1, groups };
  }

  forward(x: Tensor): Tensor {
    if (x instanceof Tensor && (x.rank !== 4 || x.shape[3] !== this.inChannels)) {
      fail('Conv2d', `expected an NHWC input [batch, height, width, ${this.inChannels}], got ${formatShape(x.shape)}`);
    }
    return conv2d(x, this.weight, this.bias, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize.join('×')}, stride=${JSON.stringify(o.stride)}, padding=${JSON.stringify(o.padding)}` +
      `${o.dilation !== 1 ? `, dilation=${JSON.stringify(o.dilation)}` : ''}${o.groups !== 1 ? `, groups=${o.groups}` : ''}${this.bias ? '' : ', bias=false'}`;
  }
}
