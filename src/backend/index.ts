export * from './threads.js';
export * from './gemm.js';
export * from './acs.js';
