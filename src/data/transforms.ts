import { ShapeError, ValueError } from '../util/errors.js';
import { numel, shapeStr, stridesOf } from '../util/shape.js';
import { type DType, type Storage, Tensor } from '../tensor/tensor.js';
import type { Sample, Transform } from './dataset.js';

/*
 * Sample transforms for training: image [C, *spatial] and label [*spatial] move together. Spatial axes
 * are numbered from 0 (for a volume 0 = D, 1 = H, 2 = W). Every random choice comes from the generator
 * the caller passes in (see TransformDataset), never from the global one.
 */

function spatialRank(s: Sample, op: string): number {
  const r = s.label.ndim;
  if (s.image.ndim !== r + 1 || s.label.shape.some((n, k) => n !== s.image.shape[k + 1])) {
    throw new ShapeError(
      `${op}: image must be [C, *spatial] and label [*spatial], got image ${shapeStr(s.image.shape)} and label ${shapeStr(s.label.shape)}`,
    );
  }
  return r;
}

function checkAxis(a: number, rank: number, op: string): void {
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ValueError(`${op}: spatial axis ${a} out of range [0, ${rank})`);
}

/** Output axis j reads source axis `src[j]`, reversed where `rev[j]`: flips, transposes and rot90 in one copy. */
function gather<D extends DType>(t: Tensor<D>, src: readonly number[], rev: readonly boolean[]): Tensor<D> {
  const inShape = t.shape;
  const inStr = stridesOf(inShape);
  const outShape = src.map((a) => inShape[a]);
  const rank = outShape.length;
  const out = (t.dtype === 'int32' ? new Int32Array(t.size) : new Float32Array(t.size)) as Storage<D>;
  if (t.size === 0) return new Tensor(out, outShape, t.dtype);
  // Source step per output axis, and the source offset of output index 0.
  const step = src.map((a, j) => (rev[j] ? -inStr[a] : inStr[a]));
  let base = 0;
  for (let j = 0; j < rank; j++) if (rev[j]) base += (outShape[j] - 1) * inStr[src[j]];
  if (rank === 0) {
    out[0] = t.data[0];
    return new Tensor(out, outShape, t.dtype);
  }
  const inner = outShape[rank - 1];
  const innerStep = step[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let off = base;
  for (let o = 0; o < out.length; o += inner) {
    let s = off;
    for (let x = 0; x < inner; x++, s += innerStep) out[o + x] = t.data[s];
    // Odometer over the outer output axes.
    for (let j = rank - 2; j >= 0; j--) {
      idx[j]++;
      off += step[j];
      if (idx[j] < outShape[j]) break;
      off -= step[j] * outShape[j];
      idx[j] = 0;
    }
  }
  return new Tensor(out, outShape, t.dtype);
}

/** Applies a spatial gather (over spatial axes) to the image (channel axis kept) and the label. */
function gatherSample(s: Sample, src: readonly number[], rev: readonly boolean[]): Sample {
  return {
    image: gather(s.image, [0, ...src.map((a) => a + 1)], [false, ...rev]),
    label: gather(s.label, src, rev),
  };
}

/** Reverses the sample along the given spatial axes (`torch.flip`). */
export function flip(s: Sample, axes: readonly number[]): Sample {
  const r = spatialRank(s, 'flip');
  axes.forEach((a) => checkAxis(a, r, 'flip'));
  const ids = Array.from({ length: r }, (_, k) => k);
  return gatherSample(s, ids, ids.map((k) => axes.includes(k)));
}

/**
 * Rotates the sample by k·90° in the plane of spatial axes (a, b), from a towards b, as
 * `np.rot90(x, k, axes=(a, b))` on image and label alike.
 */
export function rot90(s: Sample, k: number, plane: readonly [number, number]): Sample {
  const r = spatialRank(s, 'rot90');
  const [a, b] = plane;
  checkAxis(a, r, 'rot90');
  checkAxis(b, r, 'rot90');
  if (a === b) throw new ValueError(`rot90: plane axes must differ, got (${a}, ${b})`);
  const q = ((Math.round(k) % 4) + 4) % 4;
  const src = Array.from({ length: r }, (_, j) => j);
  const rev = src.map(() => false);
  if (q === 1 || q === 3) {
    src[a] = b;
    src[b] = a;
  }
  // numpy: k = 1 is transpose(flip(x, b)), k = 2 flips both, k = 3 is flip(transpose(x), b).
  if (q === 1) rev[a] = true;
  if (q === 2) rev[a] = rev[b] = true;
  if (q === 3) rev[b] = true;
  return gatherSample(s, src, rev);
}

/** Flips each listed spatial axis (default all) independently with probability p (default 0.5). */
export function randomFlip({ axes, p = 0.5 }: { axes?: readonly number[]; p?: number } = {}): Transform {
  return (s, g) => {
    const r = spatialRank(s, 'randomFlip');
    const list = axes ?? Array.from({ length: r }, (_, k) => k);
    const chosen = list.filter(() => g.uniform() < p);
    return chosen.length ? flip(s, chosen) : s;
  };
}

/**
 * Rotates by a uniformly random multiple of 90° in one plane drawn from `planes` (default the last
 * two spatial axes: (H, W) for a volume). Non-square planes swap their sizes on odd turns.
 */
export function randomRot90({ planes }: { planes?: readonly (readonly [number, number])[] } = {}): Transform {
  return (s, g) => {
    const r = spatialRank(s, 'randomRot90');
    if (r < 2) throw new ValueError(`randomRot90: needs at least 2 spatial axes, got ${r}`);
    const list = planes ?? [[r - 2, r - 1] as const];
    if (list.length === 0) throw new ValueError('randomRot90: planes must not be empty');
    const plane = list[list.length === 1 ? 0 : g.int(0, list.length)];
    const k = g.int(0, 4);
    return k === 0 ? s : rot90(s, k, plane);
  };
}

/**
 * Intensity normalisation (x - mean) / std of the image; without `mean`/`std`, each channel of each
 * sample is standardised by its own statistics (`std` floored at `eps`). Labels are untouched.
 */
export function normalizeIntensity({ mean, std, eps = 1e-8 }: { mean?: number; std?: number; eps?: number } = {}): Transform {
  if (std !== undefined && !(std > 0)) throw new ValueError(`normalizeIntensity: std must be > 0, got ${std}`);
  return (s) => {
    spatialRank(s, 'normalizeIntensity');
    const C = s.image.shape[0];
    const n = C === 0 ? 0 : s.image.size / C;
    const out = new Float32Array(s.image.size);
    for (let c = 0; c < C; c++) {
      const x = s.image.data.subarray(c * n, (c + 1) * n);
      let m = mean;
      let sd = std;
      if (m === undefined || sd === undefined) {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += x[i];
        const mu = n ? sum / n : 0;
        let ss = 0;
        for (let i = 0; i < n; i++) ss += (x[i] - mu) ** 2;
        m ??= mu;
        sd ??= Math.max(Math.sqrt(n ? ss / n : 0), eps);
      }
      for (let i = 0; i < n; i++) out[c * n + i] = (x[i] - m) / sd;
    }
    return { image: new Tensor(out, s.image.shape, 'float32'), label: s.label };
  };
}

/** Copies the window starting at `offsets` (negative = padding before) of size `size` out of `t`. */
function window<D extends DType>(t: Tensor<D>, offsets: readonly number[], size: readonly number[], pad: number): Tensor<D> {
  const rank = size.length;
  const inStr = stridesOf(t.shape);
  const out = (t.dtype === 'int32' ? new Int32Array(numel(size)) : new Float32Array(numel(size))) as Storage<D>;
  if (pad !== 0) out.fill(pad);
  if (out.length === 0) return new Tensor(out, size, t.dtype);
  const outStr = stridesOf(size);
  // Per axis, the output range that reads inside the source.
  const lo = size.map((_, j) => Math.max(0, -offsets[j]));
  const hi = size.map((n, j) => Math.min(n, t.shape[j] - offsets[j]));
  if (lo.some((l, j) => l >= hi[j])) return new Tensor(out, size, t.dtype);
  const idx = [...lo];
  const last = rank - 1;
  while (true) {
    let o = 0;
    let s = 0;
    for (let j = 0; j < last; j++) {
      o += idx[j] * outStr[j];
      s += (idx[j] + offsets[j]) * inStr[j];
    }
    o += lo[last];
    s += lo[last] + offsets[last];
    out.set(t.data.subarray(s, s + hi[last] - lo[last]), o);
    let j = last - 1;
    for (; j >= 0; j--) {
      if (++idx[j] < hi[j]) break;
      idx[j] = lo[j];
    }
    if (j < 0) break;
  }
  return new Tensor(out, size, t.dtype);
}

function cropOrPad(s: Sample, size: readonly number[], offsets: readonly number[], padValue: number, labelPadValue: number): Sample {
  const C = s.image.shape[0];
  return {
    image: window(s.image, [0, ...offsets], [C, ...size], padValue),
    label: window(s.label, offsets, size, labelPadValue),
  };
}

export interface CropOrPadOptions {
  /** Image value where padding is added (default 0). */
  padValue?: number;
  /** Label where padding is added (default 0, background). */
  labelPadValue?: number;
}

function checkSize(size: readonly number[], r: number, op: string): void {
  if (size.length !== r || size.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new ValueError(`${op}: size must be ${r} positive integers (one per spatial axis), got [${size.join(', ')}]`);
  }
}

/**
 * Crops (or zero-pads) every spatial axis to `size` at a random position: a random window where the
 * sample is larger, a random placement inside the padding where it is smaller.
 */
export function randomCropOrPad(size: readonly number[], { padValue = 0, labelPadValue = 0 }: CropOrPadOptions = {}): Transform {
  return (s, g) => {
    const r = spatialRank(s, 'randomCropOrPad');
    checkSize(size, r, 'randomCropOrPad');
    const offsets = size.map((n, j) => {
      const have = s.label.shape[j];
      return have >= n ? g.int(0, have - n + 1) : -g.int(0, n - have + 1);
    });
    return cropOrPad(s, size, offsets, padValue, labelPadValue);
  };
}

/** Crops or pads every spatial axis to `size` around the centre (deterministic; for evaluation). */
export function centerCropOrPad(size: readonly number[], { padValue = 0, labelPadValue = 0 }: CropOrPadOptions = {}): Transform {
  return (s) => {
    const r = spatialRank(s, 'centerCropOrPad');
    checkSize(size, r, 'centerCropOrPad');
    const offsets = size.map((n, j) => Math.floor((s.label.shape[j] - n) / 2));
    return cropOrPad(s, size, offsets, padValue, labelPadValue);
  };
}

/** Applies transforms in order, sharing the generator. */
export function compose<T = Sample>(...transforms: readonly Transform<T>[]): Transform<T> {
  return (s, g) => transforms.reduce((acc, t) => t(acc, g), s);
}
