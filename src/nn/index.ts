export { Module, Parameter, type StateDict, type LoadResult } from './module.js';
export { Sequential, ModuleList } from './containers.js';
export * as init from './init.js';
export { ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Hardswish, Hardsigmoid, SiLU, Softmax } from './activation.js';
export { Linear, Identity, Flatten } from './linear.js';
export { Dropout, Dropout2d, Dropout3d } from './dropout.js';
export { CrossEntropyLoss, BCEWithLogitsLoss, SoftDiceLoss, FocalLoss, MSELoss } from './loss.js';
