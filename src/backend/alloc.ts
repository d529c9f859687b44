import { native } from './binding.js';

/**
 * A zeroed Float32Array for an op's output or gradient: the one place ops allocate, so a change of
 * policy reaches all of them. Large buffers are reused from the heap rather than mapped fresh on every
 * step (native/src/memory.cc, docs/decisions.md), and from the recycled-buffer pool below when it has one
 * of this length (or a backward pass is open, so the engine can trace the buffer).
 */
export function allocF32(n: number): Float32Array {
  if (n * 4 >= UNINIT_MIN_BYTES && (born !== null || (reuseEnabled && pool.has(n)))) return allocF32Uninit(n).fill(0);
  return new Float32Array(n);
}

/** Below this size (bytes) clearing is cheaper than a separate allocation path. */
const UNINIT_MIN_BYTES = 64 << 10;

/**
 * A Float32Array whose contents are undefined (reused memory is not cleared), for outputs a kernel
 * overwrites entirely: clearing a large buffer first is a single-threaded pass over memory that costs
 * more than some kernels (≈ 0.5 ms per 8 MB here). Only for such outputs: anything left unwritten
 * would expose stale data. Each array has its own ArrayBuffer (never a slice of Node's shared pool), and
 * large ones start on a 64-byte boundary within it.
 */
export function allocF32Uninit(n: number): Float32Array {
  if (n * 4 < UNINIT_MIN_BYTES) return new Float32Array(n);
  if (reuseEnabled) {
    const entry = pool.get(n);
    const reused = entry?.bufs.pop();
    if (entry && reused) {
      entry.stamp = pass;
      if (!entry.bufs.length) pool.delete(n);
      born?.add(reused);
      return reused;
    }
  }
  const a = allocAligned(n);
  born?.add(a);
  return a;
}

function allocAligned(n: number): Float32Array {
  freshAllocations++;
  // Started on a 64-byte boundary (a cache line, an AVX-512 vector), so kernels can write whole lines
  // with non-temporal stores; the array views its ArrayBuffer from that offset.
  const buf = Buffer.allocUnsafeSlow(n * 4 + 64).buffer;
  return new Float32Array(buf, native.alignmentPad(buf), n);
}

/**
 * Recycled buffers, by length. During a backward pass (beginGradPool … endGradPool, run by the autograd
 * engine) the engine gives back the gradient buffers it can prove nothing else holds, once consumed; any
 * later request of the same length, in this pass or the next step's forward and backward, takes one
 * instead of a new allocation. So a training loop's steady state allocates little: no malloc, and no new
 * ArrayBuffer memory for V8 to count towards its next collection (it collects about every 64 MB of it,
 * dozens of times in a UNet step). Lengths nobody took or gave back during a whole step are dropped at the
 * end of the next pass, so a change of workload does not keep the old one's buffers; releaseFreeMemory()
 * drops them all.
 */
const pool = new Map<number, { bufs: Float32Array[]; stamp: number }>();
/** Backward passes begun so far; a pool entry's stamp is the pass (or the forward after it) that last used it. */
let pass = 0;
let born: WeakSet<Float32Array> | null = null;
let reuseEnabled = true;
let freshAllocations = 0;

/** What the pool holds now, and how many large buffers were allocated fresh since the process started (for tests and diagnostics). */
export function gradPoolStats(): { buffers: number; bytes: number; lengths: number[]; freshAllocations: number } {
  let buffers = 0;
  let bytes = 0;
  for (const [n, e] of pool) {
    buffers += e.bufs.length;
    bytes += n * 4 * e.bufs.length;
  }
  return { buffers, bytes, lengths: [...pool.keys()].sort((a, b) => a - b), freshAllocations };
}

/**
 * Enables or disables the reuse of gradient buffers; returns the previous setting. For tests and
 * comparisons: results are identical either way.
 */
export function setGradBufferReuse(enabled: boolean): boolean {
  const prev = reuseEnabled;
  reuseEnabled = enabled;
  if (!enabled) pool.clear();
  return prev;
}

/** Opens a backward pass: buffers allocated from now on can be recycled. */
export function beginGradPool(): void {
  if (!reuseEnabled) return;
  pass++;
  born = new WeakSet();
}

/** Closes the pass; drops the lengths unused since the end of the previous pass. */
export function endGradPool(): void {
  if (born === null) return;
  born = null;
  for (const [n, e] of pool) if (e.stamp < pass - 1) pool.delete(n);
}

/** Whether `a` was allocated or taken from the pool (64 KB or more) while the current pass was open. */
export function bornInGradPool(a: Float32Array): boolean {
  return born !== null && born.has(a);
}

/** Gives `a` back for reuse. Only the engine, during a pass, for a buffer nothing else references. */
export function recycleF32(a: Float32Array): void {
  if (!born || a.length * 4 < UNINIT_MIN_BYTES) return;
  const entry = pool.get(a.length);
  if (entry) {
    entry.bufs.push(a);
    entry.stamp = pass;
  } else {
    pool.set(a.length, { bufs: [a], stamp: pass });
  }
}

/**
 * Returns the heap's free memory to the system and empties the recycled-buffer pool. The engine keeps
 * freed buffers resident so the next training step reuses them without page faults; call this after a
 * large job (and after dropping its tensors) to shrink the process. Returns whether anything was released.
 */
export function releaseFreeMemory(): boolean {
  // The pool's buffers become garbage; their memory returns to the heap at V8's next collection, and
  // to the system at a later call.
  pool.clear();
  return native.releaseFreeMemory();
}
