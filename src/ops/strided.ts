/**
 * Internal iteration machinery shared by the elementwise, reduction and shape ops (not part of `F`).
 * Everything that walks one shape while reading or writing other buffers through strides (broadcast
 * operands, permuted or sliced sources, padded or concatenated destinations) goes through
 * `forEachRun`, which calls its callback once per contiguous inner run, never per element.
 */
import { allocF32 } from '../backend/alloc.js';
import { ShapeError } from '../util/errors.js';
import { numel, shapeStr, stridesOf } from '../util/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { channelSum } from '../backend/elementwise.js';

/**
 * Called once per inner run: `o` is the row-major offset of the run's first element in the iterated
 * shape, `a`/`b` the offsets in the two strided operands, `n` the run length, `sa`/`sb` their strides.
 */
export type RunFn = (o: number, a: number, b: number, n: number, sa: number, sb: number) => void;

/**
 * Walks `shape` in row-major order with two strided operands (strides per dim; 0 broadcasts).
 * Dims of size 1 are dropped and dims that are contiguous for every operand are merged, so the inner
 * run is as long as possible (a bias [C,1,1,1] over [N,C,D,H,W] becomes runs of D·H·W).
 */
export function forEachRun(shape: readonly number[], stA: readonly number[], stB: readonly number[], fn: RunFn): void {
  const total = numel(shape);
  if (total === 0) return;
  const dims: number[] = [];
  const A: number[] = [];
  const B: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const k = dims.length - 1;
    // Merge into the previous kept dim when both operands (and the implicit contiguous one) allow it.
    if (k >= 0 && A[k] === stA[d] * shape[d] && B[k] === stB[d] * shape[d]) {
      dims[k] *= shape[d];
      A[k] = stA[d];
      B[k] = stB[d];
    } else {
      dims.push(shape[d]);
      A.push(stA[d]);
      B.push(stB[d]);
    }
  }
  const k = dims.length;
  if (k === 0) {
    fn(0, 0, 0, 1, 0, 0);
    return;
  }
  const n = dims[k - 1];
  const sa = A[k - 1];
  const sb = B[k - 1];
  const outer = total / n;
  const idx = new Array<number>(k).fill(0);
  let oa = 0;
  let ob = 0;
  let o = 0;
  for (let r = 0; r < outer; r++) {
    fn(o, oa, ob, n, sa, sb);
    o += n;
    for (let d = k - 2; d >= 0; d--) {
      idx[d]++;
      oa += A[d];
      ob += B[d];
      if (idx[d] < dims[d]) break;
      oa -= A[d] * dims[d];
      ob -= B[d] * dims[d];
      idx[d] = 0;
    }
  }
}

/** Strides of `shape` aligned (right-justified) to a rank-`rank` shape, 0 on broadcast (size-1 or missing) dims. */
export function broadcastStrides(shape: readonly number[], rank: number): number[] {
  const st = stridesOf(shape);
  const out = new Array<number>(rank).fill(0);
  const off = rank - shape.length;
  for (let i = 0; i < shape.length; i++) out[off + i] = shape[i] === 1 ? 0 : st[i];
  return out;
}

/** True when `small` broadcasts to `big` (PyTorch rules, `small` right-aligned). */
export function broadcastsTo(small: readonly number[], big: readonly number[]): boolean {
  if (small.length > big.length) return false;
  const off = big.length - small.length;
  for (let i = 0; i < small.length; i++) if (small[i] !== 1 && small[i] !== big[off + i]) return false;
  return true;
}

/**
 * Sums `g` down to `shape` (the inverse of broadcasting it up): the one place where every
 * broadcasting op's backward undoes its broadcast. Accumulates in float64.
 */
export function sumToShape(g: Tensor, shape: readonly number[], op = 'sumToShape'): Tensor {
  if (g.shape.length === shape.length) {
    let same = true;
    for (let i = 0; i < shape.length; i++) if (g.shape[i] !== shape[i]) same = false;
    if (same) return g;
  }
  if (!broadcastsTo(shape, g.shape)) {
    throw new ShapeError(`${op}: shape ${shapeStr(shape)} does not broadcast to ${shapeStr(g.shape)}`);
  }
  const n = numel(shape);
  const src = g.data;
  // Native, threaded paths: a total (n = 1) and the per-channel case (bias gradients).
  const lay = n === 1 ? { outer: 1, C: 1, inner: src.length } : channelLayout(shape, g.shape);
  if (lay) return new Tensor(channelSum(src, null, lay.outer, lay.C, lay.inner), shape, 'float32');
  const acc = new Float64Array(n);
  const st = broadcastStrides(shape, g.shape.length);
  forEachRun(g.shape, st, st, (o, a, _b, len, sa) => {
    if (sa === 0) {
      let s = 0;
      for (let i = 0; i < len; i++) s += src[o + i];
      acc[a] += s;
    } else {
      for (let i = 0; i < len; i++) acc[a + i * sa] += src[o + i];
    }
  });
  return new Tensor(Float32Array.from(acc), shape, 'float32');
}

/** [outer, C, inner] view of `big` for which `small` is a per-channel vector. */
export interface ChannelLayout {
  outer: number;
  C: number;
  inner: number;
}

/**
 * When `small` (right-aligned) has exactly one dim k of size > 1 and broadcasts to `big` there, the
 * layout [prod(big[:k]), big[k], prod(big[k+1:])]: a bias [1, C, 1, 1, 1] or [C, 1, 1, 1] against
 * [N, C, D, H, W], or [C] against [N, C]. Null otherwise.
 */
export function channelLayout(small: readonly number[], big: readonly number[]): ChannelLayout | null {
  if (small.length > big.length) return null;
  const off = big.length - small.length;
  let k = -1;
  for (let i = 0; i < small.length; i++) {
    if (small[i] === 1) continue;
    if (k >= 0 || small[i] !== big[off + i]) return null;
    k = off + i;
  }
  if (k < 0) return null;
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < k; i++) outer *= big[i];
  for (let i = k + 1; i < big.length; i++) inner *= big[i];
  return { outer, C: big[k], inner };
}

/** Materialises `x` broadcast to `shape` (a copy; tensors are always contiguous). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const out = allocF32(numel(shape));
  const src = x.data;
  const st = broadcastStrides(x.shape, shape.length);
  forEachRun(shape, st, st, (o, a, _b, n, sa) => {
    if (sa === 0) out.fill(src[a], o, o + n);
    else if (sa === 1) out.set(src.subarray(a, a + n), o);
    else for (let i = 0; i < n; i++) out[o + i] = src[a + i * sa];
  });
  return new Tensor(out, shape, 'float32');
}

/**
 * Copies the box `shape` from `src` (base offset `srcOff`, strides `srcSt`) to `dst` (`dstOff`, `dstSt`).
 * Permutes, slices, pads and concatenations are all this one copy with different strides.
 */
export function copyBox<A extends Float32Array | Int32Array>(
  shape: readonly number[],
  src: A,
  srcOff: number,
  srcSt: readonly number[],
  dst: A,
  dstOff: number,
  dstSt: readonly number[],
): void {
  forEachRun(shape, srcSt, dstSt, (_o, a, b, n, sa, sb) => {
    const s = srcOff + a;
    const d = dstOff + b;
    if (sa === 1 && sb === 1) dst.set(src.subarray(s, s + n), d);
    else for (let i = 0; i < n; i++) dst[d + i * sb] = src[s + i * sa];
  });
}
