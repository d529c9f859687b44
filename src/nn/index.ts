export { Module, Parameter, type StateDict, type LoadResult } from './module.js';
export { Sequential, ModuleList } from './containers.js';
export * as init from './init.js';
export { ConvNd, Conv2d, Conv3d, ConvTranspose2d, ConvTranspose3d, type ConvLayerOptions, type ConvTransposeLayerOptions } from './conv.js';
export { CrossEntropyLoss, BCEWithLogitsLoss, SoftDiceLoss, FocalLoss, MSELoss } from './loss.js';
