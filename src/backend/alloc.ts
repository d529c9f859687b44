import { native } from './binding.js';

/**
 * Buffers from this size (bytes) up get huge-page advice. native/src/memory.cc fixes glibc's mmap
 * threshold at the same size: smaller buffers are reused from the heap (no page faults after the first
 * step), larger ones are each their own mapping, returned whole on free, so the advice never outlives them.
 */
const HUGE_PAGE_MIN_BYTES = 32 << 20;

/**
 * A zeroed Float32Array for an op's output or gradient. Large ones are advised to use transparent huge
 * pages before their first touch: faulting a fresh 100 MB activation in 4 KiB pages costs ≈ 40 ms, more
 * than most ops' own work, and huge pages cut that about fourfold (see docs/decisions.md).
 */
export function allocF32(n: number): Float32Array {
  const a = new Float32Array(n);
  if (n * 4 >= HUGE_PAGE_MIN_BYTES) native.adviseHugePages(a);
  return a;
}
