export * from './safetensors.js';
export { writeFileAtomic } from './atomic.js';
