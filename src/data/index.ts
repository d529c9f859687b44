export * from './synthetic-2d.js';
export * from './synthetic-3d.js';
export * from './dataset.js';
export * from './loader.js';
export * from './transforms.js';
