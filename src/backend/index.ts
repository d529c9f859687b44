export * from './threads.js';
export * from './gemm.js';
export * from './acs.js';
export * from './pool.js';
export * from './norm.js';
export * from './resample.js';
export * from './conv.js';
export * from './elementwise.js';
export { allocF32, allocF32Uninit, releaseFreeMemory } from './alloc.js';
