// The functional op library, exported from the package root as `F`. One line per op family.
export * from './acs.js';
export * from './conv.js';
export * from './elementwise.js';
export * from './activation.js';
export * from './reduce.js';
export * from './shape.js';
export * from './dropout.js';
export * from './linear.js';
export * from './pool.js';
export * from './norm.js';
export * from './resample.js';
export * from './loss.js';
