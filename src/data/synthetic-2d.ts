import { ValueError } from '../util/errors.js';
import { Generator } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Class names of the 2D shape set, by label value. Background is 0 here; the reference
 * (ACSConv's generate_poc_data.py) put background in the *last* channel instead.
 */
export const SHAPE_CLASSES_2D = ['background', 'square', 'circle'] as const;

/** One object drawn into a synthetic sample, for tests and figures. */
export interface ShapeObject {
  /** Label value (1.. in the class list of its set). */
  cls: number;
  /** Quadrant (2D: 2·rowHalf + colHalf) or octant (3D: 4·dHalf + 2·hHalf + wHalf) it lies in. */
  cell: number;
  /** First index of its bounding box along each spatial axis. */
  origin: number[];
  /** Extent of its bounding box along each spatial axis. */
  extent: number[];
  /**
   * Oriented 3D shapes (cone, pyramid, cylinder): the axis they lie along (0 D, 1 H, 2 W), and whether
   * the tip (cone, pyramid) is at the high-index end of the box rather than at its start.
   */
  axis?: number;
  flipped?: boolean;
}

/** Images (or volumes), their label maps and what was drawn where. */
export interface SyntheticSet {
  /** [N, 1, S, S] (2D) or [N, 1, S, S, S] (3D): binary foreground plus Gaussian noise. */
  image: Tensor;
  /** [N, S, S] or [N, S, S, S], int32 class labels (0 background). */
  label: Tensor<'int32'>;
  /** The objects of each sample. */
  objects: ShapeObject[][];
}

export interface SyntheticOptions {
  /** Number of samples. */
  n: number;
  /** Side length S (default 48). */
  size?: number;
  /** Seed of this set's own generator (default 0). */
  seed?: number;
  /** Standard deviation of the additive Gaussian noise (default 0.5). */
  noise?: number;
  /** Smallest and largest object size; default 5–24 scaled by S/48 (at least 3, at most S/2). */
  minSize?: number;
  maxSize?: number;
}

/** Resolves and checks the common options; `op` names the caller in messages. */
export function resolveOptions(opts: SyntheticOptions, op: string, minSide: number): Required<SyntheticOptions> {
  const size = opts.size ?? 48;
  const seed = opts.seed ?? 0;
  const noise = opts.noise ?? 0.5;
  if (!Number.isInteger(opts.n) || opts.n < 0) throw new ValueError(`${op}: n must be a non-negative integer, got ${opts.n}`);
  if (!Number.isInteger(size) || size < minSide) throw new ValueError(`${op}: size must be an integer >= ${minSide}, got ${size}`);
  if (!(noise >= 0)) throw new ValueError(`${op}: noise must be >= 0, got ${noise}`);
  const half = Math.floor(size / 2);
  const maxSize = opts.maxSize ?? half;
  // Below 3 voxels a cone, a pyramid and a cube are the same few voxels: keep the classes tellable.
  const minSize = opts.minSize ?? Math.min(maxSize, Math.max(3, Math.round((5 * size) / 48)));
  if (!Number.isInteger(minSize) || !Number.isInteger(maxSize) || minSize < 1 || minSize > maxSize || maxSize > half) {
    throw new ValueError(`${op}: object sizes must satisfy 1 <= minSize <= maxSize <= size/2 (${half}), got ${minSize}..${maxSize}`);
  }
  return { n: opts.n, size, seed, noise, minSize, maxSize };
}

/** k distinct values of 0..n-1 in random order. */
export function chooseDistinct(g: Generator, n: number, k: number): number[] {
  return g.permutation(n).slice(0, k);
}

/**
 * Random start of an object of length `len` fully inside the half of [0, size) selected by `upper`
 * (lower half [0, floor(S/2)), upper half [floor(S/2), S)).
 */
export function startInHalf(g: Generator, size: number, upper: boolean, len: number): number {
  const half = Math.floor(size / 2);
  const lo = upper ? half : 0;
  const hi = upper ? size : half;
  return lo + g.int(0, hi - lo - len + 1);
}

/** Adds N(0, noise²) to every element, in place. */
export function addNoise(g: Generator, data: Float32Array, noise: number): void {
  if (noise === 0) return;
  for (let i = 0; i < data.length; i++) data[i] += noise * g.normal();
}

/**
 * The 2D proof-of-concept set of the ACS paper: S×S images (default 48), each with three shapes
 * (square or circle, side 5–24) in three distinct quadrants, each fully inside its quadrant; labels
 * 0 background, 1 square, 2 circle; image = binary foreground + N(0, 0.5²) noise. Deterministic by
 * `seed`; sample i does not depend on `n`. Like the reference's `generate_shapes`.
 */
export function synthetic2d(opts: SyntheticOptions): SyntheticSet {
  const o = resolveOptions(opts, 'synthetic2d', 4);
  const { n, size: S } = o;
  const g = new Generator(o.seed);
  const image = new Float32Array(n * S * S);
  const label = new Int32Array(n * S * S);
  const objects: ShapeObject[][] = [];
  for (let i = 0; i < n; i++) {
    const img = image.subarray(i * S * S, (i + 1) * S * S);
    const lab = label.subarray(i * S * S, (i + 1) * S * S);
    const objs: ShapeObject[] = [];
    for (const cell of chooseDistinct(g, 4, 3)) {
      const a = g.int(o.minSize, o.maxSize + 1);
      const cls = g.int(1, 3);
      const r0 = startInHalf(g, S, (cell & 2) !== 0, a);
      const c0 = startInHalf(g, S, (cell & 1) !== 0, a);
      const c = (a - 1) / 2;
      const rr = (a / 2) ** 2;
      for (let y = 0; y < a; y++) {
        for (let x = 0; x < a; x++) {
          if (cls === 2 && (y - c) ** 2 + (x - c) ** 2 > rr) continue;
          const idx = (r0 + y) * S + c0 + x;
          img[idx] = 1;
          lab[idx] = cls;
        }
      }
      objs.push({ cls, cell, origin: [r0, c0], extent: [a, a] });
    }
    addNoise(g, img, o.noise);
    objects.push(objs);
  }
  return {
    image: new Tensor(image, [n, 1, S, S], 'float32'),
    label: new Tensor(label, [n, S, S], 'int32'),
    objects,
  };
}
