// The functional op library, exported from the package root as `F`. One line per op family.
export * from './acs.js';
export * from './conv.js';
export {};
export * from './pool.js';
export * from './norm.js';
export * from './resample.js';
export * from './loss.js';
