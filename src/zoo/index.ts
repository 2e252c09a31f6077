/** The model zoo: each entry returns a Module with torchvision's parameter names where one exists. */
export { lenet5, LeNet5Classic, LeNet5Modern, Subsampling, PartialConv2d, EuclideanRBF, C3_CONNECTIONS } from './lenet.ts';
export type { LeNetOptions } from './lenet.ts';
export type { ZooOptions } from './common.ts';
export { alexnet, AlexNet } from './alexnet.ts';
export type { AlexNetOptions, AlexNetVariant } from './alexnet.ts';
export { zfnet, ZFNet } from './zfnet.ts';
export type { ZFNetOptions } from './zfnet.ts';
export { vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn, VGG, VGG_CONFIGS } from './vgg.ts';
export type { VGGOptions, VGGConfig } from './vgg.ts';
export { googlenet, GoogLeNet, Inception, InceptionAux, BasicConv2d } from './googlenet.ts';
export type { GoogLeNetOptions, GoogLeNetOutputs, InceptionChannels } from './googlenet.ts';
export { resnet18, resnet34, resnet50, resnet101, resnet152, ResNet, BasicBlock, Bottleneck, downsample } from './resnet.ts';
export type { ResNetOptions, ResNetBlock } from './resnet.ts';
