/** The model zoo: each entry returns a Module with torchvision's parameter names where one exists. */
export { lenet5, LeNet5Classic, LeNet5Modern, Subsampling, PartialConv2d, EuclideanRBF, C3_CONNECTIONS } from './lenet.ts';
export type { LeNetOptions } from './lenet.ts';
