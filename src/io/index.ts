export * from './safetensors.js';
export { writeFileAtomic } from './atomic.js';
export * from './png.js';
export * from './nifti.js';
