/**
 * Shape ops. Tensors are always contiguous (docs/decisions.md), so reshape-like ops share storage and
 * the others (permute, slice, cat, pad, expand) copy through `copyBox`, the one strided copy.
 */
import { allocF32, allocF32Uninit } from '../backend/alloc.js';
import { record } from '../autograd/record.js';
import { type DType, Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { normAxis, numel, shapeStr, stridesOf } from '../util/shape.js';
import { broadcastTo, copyBox, sumToShape } from './strided.js';

function check(x: Tensor<DType>, op: string, name = 'x'): void {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: ${name} must be a Tensor, got ${typeof x}`);
}

/** A tensor of `shape` sharing `x`'s storage (same dtype); graph-aware for float tensors. */
function view<D extends DType>(x: Tensor<D>, shape: readonly number[], name: string): Tensor<D> {
  const out = new Tensor(x.data, shape, x.dtype);
  if (x.dtype !== 'float32') return out;
  const xs = x.shape;
  return record(out as Tensor, name, [x as Tensor], (g) => [new Tensor(g.data, xs, 'float32')]) as Tensor<D>;
}

/** Same values, new shape (`torch.reshape`); one entry may be -1 (inferred). Shares storage. */
export function reshape<D extends DType>(x: Tensor<D>, shape: readonly number[]): Tensor<D> {
  check(x, 'reshape');
  const n = x.size;
  let infer = -1;
  let known = 1;
  shape.forEach((s, i) => {
    if (s === -1) {
      if (infer >= 0) throw new ShapeError(`reshape: only one dimension can be -1, got ${shapeStr(shape)}`);
      infer = i;
    } else if (!Number.isInteger(s) || s < 0) {
      throw new ShapeError(`reshape: shape entries must be non-negative integers or -1, got ${shapeStr(shape)}`);
    } else known *= s;
  });
  const out = [...shape];
  if (infer >= 0) {
    if (known === 0 || n % known !== 0) {
      throw new ShapeError(`reshape: shape ${shapeStr(shape)} is invalid for input of size ${n} (shape ${shapeStr(x.shape)})`);
    }
    out[infer] = n / known;
  } else if (known !== n) {
    throw new ShapeError(`reshape: shape ${shapeStr(shape)} is invalid for input of size ${n} (shape ${shapeStr(x.shape)})`);
  }
  return view(x, out, 'Reshape');
}

/** Merges dims startDim..endDim into one (`torch.flatten`, defaults as `nn.Flatten`: 1, -1). */
export function flatten<D extends DType>(x: Tensor<D>, startDim = 1, endDim = -1): Tensor<D> {
  check(x, 'flatten');
  const rank = x.shape.length;
  if (rank === 0) return view(x, [1], 'Flatten');
  const s = normAxis(startDim, rank, 'flatten');
  const e = normAxis(endDim, rank, 'flatten');
  if (s > e) throw new ShapeError(`flatten: startDim ${startDim} must not come after endDim ${endDim} (rank ${rank})`);
  let m = 1;
  for (let i = s; i <= e; i++) m *= x.shape[i];
  return view(x, [...x.shape.slice(0, s), m, ...x.shape.slice(e + 1)], 'Flatten');
}

/** Inserts a size-1 dim at `dim` (`torch.unsqueeze`; dim may be -rank-1..rank). Shares storage. */
export function unsqueeze<D extends DType>(x: Tensor<D>, dim: number): Tensor<D> {
  check(x, 'unsqueeze');
  const d = normAxis(dim, x.shape.length + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return view(x, shape, 'Unsqueeze');
}

/** Drops size-1 dims: all, or only `dim` (a no-op if that dim is not 1), as `torch.squeeze`. Shares storage. */
export function squeeze<D extends DType>(x: Tensor<D>, dim?: number | readonly number[]): Tensor<D> {
  check(x, 'squeeze');
  const rank = x.shape.length;
  const drop = new Set<number>();
  if (dim === undefined) x.shape.forEach((s, i) => s === 1 && drop.add(i));
  else {
    for (const d of typeof dim === 'number' ? [dim] : dim) {
      // A 0-d tensor accepts dim 0 / -1 and stays 0-d, as PyTorch's.
      const a = normAxis(d, Math.max(rank, 1), 'squeeze');
      if (rank > 0 && x.shape[a] === 1) drop.add(a);
    }
  }
  return view(x, x.shape.filter((_, i) => !drop.has(i)), 'Squeeze');
}

/** Reorders dims (`torch.permute`); copies, since tensors are contiguous. */
export function permute<D extends DType>(x: Tensor<D>, dims: readonly number[]): Tensor<D> {
  check(x, 'permute');
  const rank = x.shape.length;
  if (dims.length !== rank) {
    throw new ShapeError(`permute: dims ${shapeStr(dims)} must list each of the ${rank} dims of shape ${shapeStr(x.shape)} once`);
  }
  const p = dims.map((d) => normAxis(d, rank, 'permute'));
  if (new Set(p).size !== rank) throw new ShapeError(`permute: dims ${shapeStr(dims)} repeat a dim`);
  const st = stridesOf(x.shape);
  const shape = p.map((d) => x.shape[d]);
  const src = p.map((d) => st[d]);
  const out = permuteData(x.data, shape, src);
  const res = new Tensor(out, shape, x.dtype) as Tensor<D>;
  if (x.dtype !== 'float32') return res;
  const inv = new Array<number>(rank);
  p.forEach((d, i) => (inv[d] = i));
  return record(res as Tensor, 'Permute', [x as Tensor], (g) => [permute(g, inv)]) as Tensor<D>;
}

function permuteData<S extends Float32Array | Int32Array>(data: S, shape: number[], srcSt: number[]): S {
  const out = new (data.constructor as new (n: number) => S)(data.length);
  copyBox(shape, data, 0, srcSt, out, 0, stridesOf(shape));
  return out;
}

/** Joins tensors along an existing dim (`torch.cat`); all other dims must match. */
export function cat(ts: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(ts as unknown) || ts.length === 0) throw new ValueError('cat: needs a non-empty array of tensors');
  ts.forEach((t, i) => check(t, 'cat', `tensors[${i}]`));
  const first = ts[0];
  const rank = first.shape.length;
  if (rank === 0) throw new ShapeError('cat: zero-dimensional tensors cannot be concatenated');
  const d = normAxis(dim, rank, 'cat');
  let total = 0;
  ts.forEach((t, i) => {
    if (t.dtype !== 'float32') throw new ValueError(`cat: tensors[${i}] must be float32, got ${t.dtype}`);
    const ok = t.shape.length === rank && t.shape.every((s, k) => k === d || s === first.shape[k]);
    if (!ok) {
      throw new ShapeError(
        `cat: tensors[${i}] has shape ${shapeStr(t.shape)}, but every dim except dim ${d} must equal those of tensors[0] ${shapeStr(first.shape)}`,
      );
    }
    total += t.shape[d];
  });
  const shape = [...first.shape];
  shape[d] = total;
  const out = allocF32Uninit(numel(shape)); // the pieces tile it
  const ost = stridesOf(shape);
  const sizes: number[] = [];
  let off = 0;
  for (const t of ts) {
    copyBox(t.shape, t.data, 0, stridesOf(t.shape), out, off * ost[d], ost);
    sizes.push(t.shape[d]);
    off += t.shape[d];
  }
  return record(new Tensor(out, shape, 'float32'), 'Concat', ts, (g) => {
    let start = 0;
    return ts.map((t, i) => {
      const s = start;
      start += sizes[i];
      return t.requiresGrad ? sliceRaw(g, d, s, sizes[i], 1) : null;
    });
  });
}

/** Stacks same-shaped tensors along a new dim (`torch.stack`). */
export function stack(ts: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(ts as unknown) || ts.length === 0) throw new ValueError('stack: needs a non-empty array of tensors');
  const s0 = ts[0].shape;
  ts.forEach((t, i) => {
    check(t, 'stack', `tensors[${i}]`);
    if (t.shape.length !== s0.length || t.shape.some((s, k) => s !== s0[k])) {
      throw new ShapeError(`stack: tensors[${i}] has shape ${shapeStr(t.shape)}, expected ${shapeStr(s0)} (that of tensors[0])`);
    }
  });
  const d = normAxis(dim, s0.length + 1, 'stack');
  return cat(ts.map((t) => unsqueeze(t, d)), d);
}

/** Copies elements start, start+step, … (count of them) along `d`; no graph. */
function sliceRaw(x: Tensor, d: number, start: number, count: number, step: number): Tensor {
  const st = stridesOf(x.shape);
  const shape = [...x.shape];
  shape[d] = count;
  const src = [...st];
  src[d] = st[d] * step;
  const out = allocF32(numel(shape));
  copyBox(shape, x.data, start * st[d], src, out, 0, stridesOf(shape));
  return new Tensor(out, shape, 'float32');
}

/**
 * `x[..., start:end:step, ...]` along `dim` (Python slice semantics: negative and out-of-range
 * start/end are clamped, step > 0). Copies.
 */
export function slice(x: Tensor, dim: number, start = 0, end: number = Number.MAX_SAFE_INTEGER, step = 1): Tensor {
  check(x, 'slice');
  if (x.shape.length === 0) throw new ShapeError('slice: cannot slice a zero-dimensional tensor');
  const d = normAxis(dim, x.shape.length, 'slice');
  if (!Number.isInteger(step) || step < 1) throw new ValueError(`slice: step must be a positive integer, got ${step}`);
  if (!Number.isInteger(start) || !Number.isInteger(end)) throw new ValueError(`slice: start and end must be integers, got ${start}, ${end}`);
  const n = x.shape[d];
  const clampIdx = (i: number): number => Math.min(n, Math.max(0, i < 0 ? i + n : i));
  const s = clampIdx(start);
  const e = clampIdx(end);
  const count = e > s ? Math.ceil((e - s) / step) : 0;
  const out = sliceRaw(x, d, s, count, step);
  const xs = x.shape;
  return record(out, 'Slice', [x], (g) => {
    const gx = allocF32(numel(xs));
    const st = stridesOf(xs);
    const dst = [...st];
    dst[d] = st[d] * step;
    copyBox(g.shape, g.data, 0, stridesOf(g.shape), gx, s * st[d], dst);
    return [new Tensor(gx, xs, 'float32')];
  });
}

/**
 * Constant padding (`F.pad(x, pads, value)`), PyTorch order: `[left, right]` of the last dim first,
 * then the one before (`[wL, wR, hT, hB, dF, dB]`). Negative pads crop.
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  check(x, 'pad');
  const rank = x.shape.length;
  if (pads.length % 2 !== 0 || pads.length / 2 > rank) {
    throw new ShapeError(`pad: pads must have an even length of at most 2·rank = ${2 * rank}, got ${pads.length} ([${pads.join(', ')}])`);
  }
  const lo = new Array<number>(rank).fill(0);
  const hi = new Array<number>(rank).fill(0);
  for (let i = 0; i < pads.length / 2; i++) {
    const [a, b] = [pads[2 * i], pads[2 * i + 1]];
    if (!Number.isInteger(a) || !Number.isInteger(b)) throw new ValueError(`pad: pads must be integers, got [${pads.join(', ')}]`);
    lo[rank - 1 - i] = a;
    hi[rank - 1 - i] = b;
  }
  const shape = x.shape.map((s, i) => s + lo[i] + hi[i]);
  if (shape.some((s) => s < 0)) {
    throw new ShapeError(`pad: pads [${pads.join(', ')}] give a negative size for shape ${shapeStr(x.shape)}`);
  }
  // The part of x that lands inside the output: [s0, s1) per dim.
  const box = x.shape.map((n, i) => Math.max(0, Math.min(n, n + hi[i]) - Math.max(0, -lo[i])));
  const xst = stridesOf(x.shape);
  const ost = stridesOf(shape);
  let srcOff = 0;
  let dstOff = 0;
  for (let i = 0; i < rank; i++) {
    const s0 = Math.max(0, -lo[i]);
    srcOff += s0 * xst[i];
    dstOff += (s0 + lo[i]) * ost[i];
  }
  const out = allocF32(numel(shape));
  if (value !== 0) out.fill(value);
  copyBox(box, x.data, srcOff, xst, out, dstOff, ost);
  const xs = x.shape;
  return record(new Tensor(out, shape, 'float32'), 'Pad', [x], (g) => {
    const gx = allocF32(numel(xs));
    copyBox(box, g.data, dstOff, ost, gx, srcOff, xst);
    return [new Tensor(gx, xs, 'float32')];
  });
}

/**
 * Broadcasts to `shape` (`Tensor.expand`); -1 keeps a dim, new dims go in front. Copies (tensors are
 * contiguous); backward sums back.
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  check(x, 'expand');
  const rank = shape.length;
  const off = rank - x.shape.length;
  if (off < 0) throw new ShapeError(`expand: target ${shapeStr(shape)} has fewer dims than the input ${shapeStr(x.shape)}`);
  const target = shape.map((s, i) => {
    const cur = i >= off ? x.shape[i - off] : undefined;
    if (s === -1) {
      if (cur === undefined) throw new ShapeError(`expand: -1 is not allowed for the new leading dim ${i} in ${shapeStr(shape)}`);
      return cur;
    }
    if (!Number.isInteger(s) || s < 0) throw new ShapeError(`expand: invalid target shape ${shapeStr(shape)}`);
    if (cur !== undefined && cur !== 1 && cur !== s) {
      throw new ShapeError(`expand: cannot expand shape ${shapeStr(x.shape)} to ${shapeStr(shape)} (dim ${i}: ${cur} is not 1)`);
    }
    return s;
  });
  const out = broadcastTo(x, target);
  const xs = x.shape;
  return record(out, 'Expand', [x], (g) => [sumToShape(g, xs, 'expand')]);
}
