export { Module, Parameter, type StateDict, type LoadResult } from './module.js';
export { Sequential, ModuleList } from './containers.js';
export * as init from './init.js';
export { CrossEntropyLoss, BCEWithLogitsLoss, SoftDiceLoss, FocalLoss, MSELoss } from './loss.js';
