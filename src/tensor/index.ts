export { Tensor, assertFloat, type DType, type GradNode, type Storage } from './tensor.js';
export * from './creation.js';
export * from './random.js';
