// The functional op library, exported from the package root as `F`. One line per op family.
export {};
export * from './loss.js';
