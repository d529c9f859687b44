import { ShapeError, ValueError } from '../util/errors.js';
import { shapeStr } from '../util/shape.js';
import { Generator } from '../tensor/random.js';
import { type DType, type Storage, Tensor } from '../tensor/tensor.js';

/** A random-access collection, as `torch.utils.data.Dataset` (map-style). */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
}

/** An image and its label map: image [C, *spatial] float32, label [*spatial] int32. */
export interface Sample {
  image: Tensor;
  label: Tensor<'int32'>;
}

/** A sample-level transform; `g` supplies its randomness so pipelines are reproducible. */
export type Transform<T = Sample> = (sample: T, g: Generator) => T;

function checkIndex(i: number, n: number, op: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new ValueError(`${op}: index ${i} out of range [0, ${n})`);
}

/** Row `i` of a tensor along its first axis, as a new tensor (a copy: callers may modify it). */
export function row<D extends DType>(t: Tensor<D>, i: number): Tensor<D> {
  const inner = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return new Tensor(t.data.slice(i * inner, (i + 1) * inner) as Storage<D>, t.shape.slice(1), t.dtype);
}

/**
 * Images [N, C, *spatial] and labels [N, *spatial] as a dataset of samples, as
 * `torch.utils.data.TensorDataset(image, label)`; `get(i)` returns copies.
 */
export class TensorDataset implements Dataset<Sample> {
  readonly length: number;

  constructor(
    readonly image: Tensor,
    readonly label: Tensor<'int32'>,
  ) {
    if (image.ndim < 2) throw new ShapeError(`TensorDataset: image must be [N, C, ...], got shape ${shapeStr(image.shape)}`);
    if (label.dtype !== 'int32') throw new ShapeError(`TensorDataset: label must be int32, got ${label.dtype}`);
    const spatial = image.shape.slice(2);
    const expected = [image.shape[0], ...spatial];
    if (label.ndim !== expected.length || label.shape.some((s, k) => s !== expected[k])) {
      throw new ShapeError(
        `TensorDataset: label must have shape ${shapeStr(expected)} to match image ${shapeStr(image.shape)}, got ${shapeStr(label.shape)}`,
      );
    }
    this.length = image.shape[0];
  }

  get(i: number): Sample {
    checkIndex(i, this.length, 'TensorDataset.get');
    return { image: row(this.image, i), label: row(this.label, i) };
  }
}

/** The items of `ds` at `indices`, in that order, as `torch.utils.data.Subset`. */
export class Subset<T> implements Dataset<T> {
  readonly length: number;

  constructor(
    readonly dataset: Dataset<T>,
    readonly indices: readonly number[],
  ) {
    for (const i of indices) checkIndex(i, dataset.length, 'Subset');
    this.length = indices.length;
  }

  get(i: number): T {
    checkIndex(i, this.length, 'Subset.get');
    return this.dataset.get(this.indices[i]);
  }
}

/**
 * `ds` with a random transform applied on every `get`, drawing from its own generator seeded by
 * `seed`: with a seeded loader the access order, and so every augmentation, is reproducible.
 */
export class TransformDataset<T> implements Dataset<T> {
  readonly length: number;
  private readonly generator: Generator;

  constructor(
    readonly dataset: Dataset<T>,
    readonly transform: Transform<T>,
    { seed = 0 }: { seed?: number } = {},
  ) {
    this.length = dataset.length;
    this.generator = new Generator(seed);
  }

  get(i: number): T {
    checkIndex(i, this.length, 'TransformDataset.get');
    return this.transform(this.dataset.get(i), this.generator);
  }
}

/** Splits `ds` into consecutive subsets of the given lengths (which must sum to its length). */
export function splitDataset<T>(ds: Dataset<T>, lengths: readonly number[]): Subset<T>[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  if (total !== ds.length || lengths.some((l) => !Number.isInteger(l) || l < 0)) {
    throw new ValueError(`splitDataset: lengths [${lengths.join(', ')}] must be non-negative and sum to ${ds.length}`);
  }
  let start = 0;
  return lengths.map((l) => {
    const idx = Array.from({ length: l }, (_, k) => start + k);
    start += l;
    return new Subset(ds, idx);
  });
}

/**
 * Volumes as stacks of axial slices, for training or running a 2D model slice by slice: image
 * [N, C, D, H, W] → [N·D, C, H, W] and label [N, D, H, W] → [N·D, H, W]; slice n·D + d is volume
 * n's slice d.
 */
export function axialSlices(image: Tensor, label: Tensor<'int32'>): { image: Tensor; label: Tensor<'int32'> } {
  if (image.ndim !== 5) throw new ShapeError(`axialSlices: image must be [N, C, D, H, W], got ${shapeStr(image.shape)}`);
  const [N, C, D, H, W] = image.shape;
  if (label.ndim !== 4 || label.shape.some((s, k) => s !== [N, D, H, W][k])) {
    throw new ShapeError(`axialSlices: label must be ${shapeStr([N, D, H, W])} to match the image, got ${shapeStr(label.shape)}`);
  }
  const plane = H * W;
  const out = new Float32Array(image.size);
  // [N, C, D, plane] → [N, D, C, plane]: a copy only when there is more than one channel.
  if (C === 1) out.set(image.data);
  else {
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        for (let d = 0; d < D; d++) {
          const src = ((n * C + c) * D + d) * plane;
          out.set(image.data.subarray(src, src + plane), ((n * D + d) * C + c) * plane);
        }
      }
    }
  }
  return {
    image: new Tensor(out, [N * D, C, H, W], 'float32'),
    label: new Tensor(label.data.slice(), [N * D, H, W], 'int32'),
  };
}
