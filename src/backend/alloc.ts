import { native } from './binding.js';

/**
 * A zeroed Float32Array for an op's output or gradient: the one place ops allocate, so a change of
 * policy reaches all of them. Large buffers are reused from the heap rather than mapped fresh on every
 * step (native/src/memory.cc, docs/decisions.md).
 */
export function allocF32(n: number): Float32Array {
  return new Float32Array(n);
}

/** Below this size (bytes) clearing is cheaper than a separate allocation path. */
const UNINIT_MIN_BYTES = 64 << 10;

/**
 * A Float32Array whose contents are undefined (reused heap memory is not cleared), for outputs a kernel
 * overwrites entirely: clearing a large buffer first is a single-threaded pass over memory that costs
 * more than some kernels (≈ 0.5 ms per 8 MB here). Only for such outputs: anything left unwritten
 * would expose stale data. Each array has its own ArrayBuffer (never a slice of Node's shared pool), and
 * large ones start on a 64-byte boundary within it.
 */
export function allocF32Uninit(n: number): Float32Array {
  if (n * 4 < UNINIT_MIN_BYTES) return new Float32Array(n);
  // Started on a 64-byte boundary (a cache line, an AVX-512 vector), so kernels can write whole lines
  // with non-temporal stores; the array views its ArrayBuffer from that offset.
  const buf = Buffer.allocUnsafeSlow(n * 4 + 64).buffer;
  return new Float32Array(buf, native.alignmentPad(buf), n);
}

/**
 * Returns the heap's free memory to the system. The engine keeps freed buffers resident so the next
 * training step reuses them without page faults; call this after a large job (and after dropping its
 * tensors) to shrink the process. Returns whether anything was released.
 */
export function releaseFreeMemory(): boolean {
  return native.releaseFreeMemory();
}
