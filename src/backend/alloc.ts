import { native } from './binding.js';

/**
 * A zeroed Float32Array for an op's output or gradient: the one place ops allocate, so a change of
 * policy reaches all of them. Large buffers are reused from the heap rather than mapped fresh on every
 * step (native/src/memory.cc, docs/decisions.md).
 */
export function allocF32(n: number): Float32Array {
  return new Float32Array(n);
}

/**
 * Returns the heap's free memory to the system. The engine keeps freed buffers resident so the next
 * training step reuses them without page faults; call this after a large job (and after dropping its
 * tensors) to shrink the process. Returns whether anything was released.
 */
export function releaseFreeMemory(): boolean {
  return native.releaseFreeMemory();
}
