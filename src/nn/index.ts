export { Module, Parameter, type StateDict, type LoadResult } from './module.js';
export { Sequential, ModuleList } from './containers.js';
export * as init from './init.js';
export { ACSConv, SoftACSConv, Conv2_5d, ACSConvTranspose } from './acs.js';
export {
  MaxPool2d,
  MaxPool3d,
  AvgPool2d,
  AvgPool3d,
  AdaptiveAvgPool2d,
  AdaptiveAvgPool3d,
  AdaptiveMaxPool2d,
  AdaptiveMaxPool3d,
  type MaxPoolLayerOptions,
  type AvgPoolLayerOptions,
} from './pool.js';
export {
  BatchNorm1d,
  BatchNorm2d,
  BatchNorm3d,
  InstanceNorm2d,
  InstanceNorm3d,
  GroupNorm,
  type BatchNormOptions,
  type GroupNormOptions,
} from './norm.js';
export { Upsample, type UpsampleOptions } from './upsample.js';
export { ConvNd, Conv2d, Conv3d, ConvTranspose2d, ConvTranspose3d, type ConvLayerOptions, type ConvTransposeLayerOptions } from './conv.js';
export { ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Hardswish, Hardsigmoid, SiLU, Softmax } from './activation.js';
export { Linear, Identity, Flatten } from './linear.js';
export { Dropout, Dropout2d, Dropout3d } from './dropout.js';
export { CrossEntropyLoss, BCEWithLogitsLoss, SoftDiceLoss, FocalLoss, MSELoss } from './loss.js';
