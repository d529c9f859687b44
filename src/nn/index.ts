export { Module, Parameter, type StateDict, type LoadResult } from './module.js';
export { Sequential, ModuleList } from './containers.js';
export * as init from './init.js';
export { ACSConv, SoftACSConv, Conv2_5d, ACSConvTranspose } from './acs.js';
