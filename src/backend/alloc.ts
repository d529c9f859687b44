import { native } from './binding.js';

/**
 * A zeroed Float32Array for an op's output or gradient: the one place ops allocate, so a change of
 * policy reaches all of them. Large buffers are reused from the heap rather than mapped fresh on every
 * step (native/src/memory.cc, docs/decisions.md).
 */
export function allocF32(n: number): Float32Array {
  // While a pool or its carry-over is open, large buffers come from it like allocF32Uninit's, so every
  // buffer the pool hands out is 64-byte aligned.
  if ((pool || carry) && n * 4 >= UNINIT_MIN_BYTES) return allocF32Uninit(n).fill(0);
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
  const from = pool ?? carry;
  if (from) {
    const reused = from.get(n)?.pop();
    if (reused) return reused;
  }
  const a = allocAligned(n);
  born?.add(a);
  return a;
}

function allocAligned(n: number): Float32Array {
  // Started on a 64-byte boundary (a cache line, an AVX-512 vector), so kernels can write whole lines
  // with non-temporal stores; the array views its ArrayBuffer from that offset.
  const buf = Buffer.allocUnsafeSlow(n * 4 + 64).buffer;
  return new Float32Array(buf, native.alignmentPad(buf), n);
}

/**
 * Buffers freed during one backward pass, by length, and the buffers allocated during it. While a pass is
 * open (beginGradPool … endGradPool, run by the autograd engine), allocF32Uninit serves a request from a
 * freed buffer of the same length: no malloc, and no new ArrayBuffer memory for V8 to count towards its
 * next garbage collection (it collects about every 64 MB of new ArrayBuffer memory, ~30 times in a UNet
 * training step). Only the engine frees buffers, and only ones it can prove nothing else holds.
 */
let pool: Map<number, Float32Array[]> | null = null;
/**
 * What the last pass's pool still held when it closed: served to the allocations after it (the next
 * training step's forward, whose activations have the sizes the last backward freed) and dropped when
 * the next pass opens, on noGrad (inference needs other sizes) and on releaseFreeMemory, so it never
 * holds more than one pass's leftovers. A 200-step training loop allocates a third fewer buffers and
 * its resident set levels off sooner (docs/decisions.md).
 */
let carry: Map<number, Float32Array[]> | null = null;
let born: WeakSet<Float32Array> | null = null;
let reuseEnabled = true;

/**
 * Enables or disables the reuse of gradient buffers within a backward pass; returns the previous
 * setting. For tests and comparisons: results are identical either way.
 */
export function setGradBufferReuse(enabled: boolean): boolean {
  const prev = reuseEnabled;
  reuseEnabled = enabled;
  return prev;
}

/** Opens a pool for one backward pass. */
export function beginGradPool(): void {
  dropCarriedBuffers();
  if (!reuseEnabled) return;
  pool = new Map();
  born = new WeakSet();
}

/** Closes the pool: what it still holds is carried over to the allocations until the next pass. */
export function endGradPool(): void {
  carry = pool && pool.size ? pool : null;
  pool = null;
  born = null;
}

/** Drops the buffers carried over from the last backward pass (to the garbage collector). */
export function dropCarriedBuffers(): void {
  carry = null;
}

/** How many buffers the last backward pass carried over (tests). */
export function carriedBufferCount(): number {
  let n = 0;
  for (const list of carry?.values() ?? []) n += list.length;
  return n;
}

/** Whether `a` was allocated (by allocF32 or allocF32Uninit, 64 KB or more) while the current pool was open. */
export function bornInGradPool(a: Float32Array): boolean {
  return born !== null && born.has(a);
}

/** Gives `a` back for reuse within the open pass. The caller guarantees nothing else references it. */
export function recycleF32(a: Float32Array): void {
  if (!pool || a.length * 4 < UNINIT_MIN_BYTES) return;
  const list = pool.get(a.length);
  if (list) list.push(a);
  else pool.set(a.length, [a]);
}

/**
 * Returns the heap's free memory to the system. The engine keeps freed buffers resident so the next
 * training step reuses them without page faults; call this after a large job (and after dropping its
 * tensors) to shrink the process. It also drops the buffers the last backward pass carried over (they
 * are freed at V8's next collection). Returns whether anything was released.
 */
export function releaseFreeMemory(): boolean {
  dropCarriedBuffers();
  return native.releaseFreeMemory();
}
