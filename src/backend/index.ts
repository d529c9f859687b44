export * from './threads.js';
export * from './gemm.js';
