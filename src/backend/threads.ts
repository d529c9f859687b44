import { ValueError } from '../util/errors.js';
import { native } from './binding.js';

/** Sets the number of threads native kernels use (default: the core count, or ACSCONV_NUM_THREADS). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ValueError(`setNumThreads: n must be a positive integer, got ${n}`);
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}
