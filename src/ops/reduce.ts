/**
 * Reductions over one, several or all dims, with `keepdim`. They reduce to the keepdim shape through
 * the shared run iterator, so any set of dims costs one pass, and backward broadcasts back.
 */
import { allocF32 } from '../backend/alloc.js';
import { record } from '../autograd/record.js';
import { argmaxMiddle } from '../backend/elementwise.js';
import { assertFloat, type DType, Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { normAxis, numel, shapeStr } from '../util/shape.js';
import { broadcastStrides, broadcastTo, forEachRun, sumToShape } from './strided.js';

/** Normalised, sorted, distinct dims; undefined or [] means all dims. */
function reduceDims(shape: readonly number[], dim: number | readonly number[] | undefined | null, op: string): number[] {
  const rank = shape.length;
  if (dim === undefined || dim === null || (Array.isArray(dim) && dim.length === 0)) return [...Array(rank).keys()];
  const list = typeof dim === 'number' ? [dim] : [...(dim as readonly number[])];
  const out = new Set<number>();
  for (const d of list) {
    if (!Number.isInteger(d)) throw new ValueError(`${op}: dim must be an integer, got ${d}`);
    // A 0-d tensor accepts dim 0 / -1, as PyTorch's.
    const a = rank === 0 && (d === 0 || d === -1) ? -1 : normAxis(d, rank, op);
    if (a >= 0 && out.has(a)) throw new ValueError(`${op}: dim ${d} appears more than once in [${list.join(', ')}]`);
    if (a >= 0) out.add(a);
  }
  return [...out].sort((a, b) => a - b);
}

function shapes(shape: readonly number[], dims: number[], keepdim: boolean): { keep: number[]; out: number[] } {
  const keep = shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const out = keepdim ? keep : shape.filter((_, i) => !dims.includes(i));
  return { keep, out };
}

function check(x: Tensor, op: string): void {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: x must be a Tensor, got ${typeof x}`);
  assertFloat(x as Tensor<DType>, op, 'x');
}

/** Sum over `dim` (a dim, a list, or all when omitted) (`torch.sum(x, dim, keepdim)`). */
export function sum(x: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor {
  check(x, 'sum');
  const dims = reduceDims(x.shape, dim, 'sum');
  const { keep, out } = shapes(x.shape, dims, keepdim);
  const s = sumToShape(x, keep, 'sum');
  // sumToShape returns its input when nothing is reduced: never hand out x's own storage as a result.
  const data = s === x ? x.data.slice() : s.data;
  const xs = x.shape;
  return record(new Tensor(data, out, 'float32'), 'Sum', [x], (g) => [broadcastTo(new Tensor(g.data, keep, 'float32'), xs)]);
}

/** Mean over `dim` (`torch.mean(x, dim, keepdim)`); NaN for an empty reduction, as PyTorch. */
export function mean(x: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor {
  check(x, 'mean');
  const dims = reduceDims(x.shape, dim, 'mean');
  const { keep, out } = shapes(x.shape, dims, keepdim);
  let count = 1;
  for (const d of dims) count *= x.shape[d];
  const s = sumToShape(x, keep, 'mean');
  const o = allocF32(s.size);
  const sd = s.data;
  const inv = 1 / count;
  for (let i = 0; i < o.length; i++) o[i] = count === 0 ? NaN : sd[i] * inv;
  const xs = x.shape;
  return record(new Tensor(o, out, 'float32'), 'Mean', [x], (g) => {
    const b = broadcastTo(new Tensor(g.data, keep, 'float32'), xs);
    const bd = b.data;
    for (let i = 0; i < bd.length; i++) bd[i] *= inv;
    return [b];
  });
}

/**
 * Maximum over `dim` (`torch.amax(x, dim, keepdim)`); all dims when omitted. NaN propagates. The
 * gradient is shared evenly among tied maxima, as PyTorch's.
 */
export function amax(x: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor {
  check(x, 'amax');
  const dims = reduceDims(x.shape, dim, 'amax');
  for (const d of dims) {
    if (x.shape[d] === 0) throw new ShapeError(`amax: cannot reduce over dim ${d} of size 0 (shape ${shapeStr(x.shape)})`);
  }
  const { keep, out } = shapes(x.shape, dims, keepdim);
  const xd = x.data;
  const m = allocF32(numel(keep)).fill(-Infinity);
  const st = broadcastStrides(keep, x.shape.length);
  forEachRun(x.shape, st, st, (o, a, _b, n, sa) => {
    for (let i = 0; i < n; i++) {
      const v = xd[o + i];
      const t = a + i * sa;
      if (v > m[t] || v !== v) m[t] = v;
    }
  });
  const xs = x.shape;
  return record(new Tensor(m, out, 'float32'), 'AMax', [x], (g) => {
    const gd = g.data;
    const cnt = allocF32(m.length);
    forEachRun(xs, st, st, (o, a, _b, n, sa) => {
      for (let i = 0; i < n; i++) if (xd[o + i] === m[a + i * sa]) cnt[a + i * sa]++;
    });
    const d = allocF32(xd.length);
    forEachRun(xs, st, st, (o, a, _b, n, sa) => {
      for (let i = 0; i < n; i++) {
        const t = a + i * sa;
        if (xd[o + i] === m[t]) d[o + i] = gd[t] / cnt[t];
      }
    });
    return [new Tensor(d, xs, 'float32')];
  });
}

/**
 * Index of the maximum along `dim` (`torch.argmax`), int32, no gradient; over the flattened tensor
 * when `dim` is omitted. The first maximum wins; NaN counts as the maximum.
 */
export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor<'int32'> {
  check(x, 'argmax');
  const xd = x.data;
  if (dim === undefined || dim === null) {
    if (xd.length === 0) throw new ShapeError('argmax: cannot take the argmax of an empty tensor');
    const o = new Int32Array(1);
    o[0] = argmaxRun(xd, 0, xd.length, 1);
    return new Tensor(o, keepdim ? x.shape.map(() => 1) : [], 'int32');
  }
  if (!Number.isInteger(dim)) throw new ValueError(`argmax: dim must be an integer, got ${dim}`);
  const rank = x.shape.length;
  const d = rank === 0 && (dim === 0 || dim === -1) ? 0 : normAxis(dim, rank, 'argmax');
  if (rank === 0) return new Tensor(new Int32Array(1), [], 'int32');
  const n = x.shape[d];
  if (n === 0) throw new ShapeError(`argmax: cannot reduce over dim ${dim} of size 0 (shape ${shapeStr(x.shape)})`);
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < d; i++) outer *= x.shape[i];
  for (let i = d + 1; i < rank; i++) inner *= x.shape[i];
  const o = new Int32Array(outer * inner);
  if (inner === 1) {
    for (let r = 0; r < outer; r++) o[r] = argmaxRun(xd, r * n, n, 1);
  } else {
    // Class scores [N, C, D, H, W] → labels: native, threaded, whole inner rows for locality.
    argmaxMiddle(xd, o, outer, n, inner);
  }
  const shape = keepdim ? x.shape.map((s, i) => (i === d ? 1 : s)) : x.shape.filter((_, i) => i !== d);
  return new Tensor(o, shape, 'int32');
}

function argmaxRun(x: Float32Array, off: number, n: number, stride: number): number {
  let best = x[off];
  let bi = 0;
  for (let i = 1; i < n; i++) {
    const v = x[off + i * stride];
    if (v > best || (v !== v && best === best)) {
      best = v;
      bi = i;
    }
  }
  return bi;
}
