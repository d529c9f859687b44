import { ShapeError, ValueError } from '../util/errors.js';
import { shapeStr } from '../util/shape.js';
import { Generator } from '../tensor/random.js';
import { type DType, type Storage, Tensor } from '../tensor/tensor.js';
import type { Dataset } from './dataset.js';

/** Stacks equally shaped tensors along a new first axis (no autograd: data only). */
export function stackTensors<D extends DType>(items: readonly Tensor<D>[], what = 'stackTensors'): Tensor<D> {
  if (items.length === 0) throw new ValueError(`${what}: cannot stack an empty list`);
  const first = items[0];
  const n = first.size;
  const out = (first.dtype === 'int32' ? new Int32Array(n * items.length) : new Float32Array(n * items.length)) as Storage<D>;
  items.forEach((t, k) => {
    if (t.dtype !== first.dtype || t.ndim !== first.ndim || t.shape.some((s, j) => s !== first.shape[j])) {
      throw new ShapeError(
        `${what}: item ${k} is ${t.dtype} ${shapeStr(t.shape)}, item 0 is ${first.dtype} ${shapeStr(first.shape)}; items must match`,
      );
    }
    out.set(t.data, k * n);
  });
  return new Tensor(out, [items.length, ...first.shape], first.dtype);
}

type TensorRecord = { [key: string]: Tensor<DType> };

/**
 * Default collate, as PyTorch's `default_collate` for dicts: each key's tensors stacked along a new
 * first axis (`{image [C,*], label [*]}` items → `{image [B,C,*], label [B,*]}`).
 */
export function collate<T extends TensorRecord>(items: readonly T[]): T {
  if (items.length === 0) throw new ValueError('collate: cannot collate an empty batch');
  const out: TensorRecord = {};
  for (const key of Object.keys(items[0])) {
    out[key] = stackTensors(
      items.map((it) => {
        const v = it[key];
        if (!(v instanceof Tensor)) throw new ValueError(`collate: every item must have a tensor '${key}'`);
        return v;
      }),
      `collate '${key}'`,
    );
  }
  return out as T;
}

export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** Visit items in a new random order each pass (default false). */
  shuffle?: boolean;
  /** Drops a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Seed of the loader's own shuffling generator (default 0); ignored when `generator` is given. */
  seed?: number;
  generator?: Generator;
  /** Builds a batch from its items (default: `collate`, stacking each tensor field). */
  collateFn?: (items: T[]) => B;
}

/**
 * Iterates a dataset in batches, as `torch.utils.data.DataLoader` (single process). Each `for…of`
 * pass is one epoch; with `shuffle`, each pass draws a fresh permutation from the loader's seeded
 * generator, so the sequence of epochs is reproducible.
 */
export class DataLoader<T, B = T> implements Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly generator: Generator;
  private readonly collateFn: (items: T[]) => B;

  constructor(
    readonly dataset: Dataset<T>,
    opts: DataLoaderOptions<T, B> = {},
  ) {
    this.batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new ValueError(`DataLoader: batchSize must be a positive integer, got ${opts.batchSize}`);
    }
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.generator = opts.generator ?? new Generator(opts.seed ?? 0);
    this.collateFn = opts.collateFn ?? ((items: T[]) => collate(items as unknown as TensorRecord[]) as unknown as B);
  }

  /** Number of batches per pass. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The item order of the next pass (advances the generator when shuffling). */
  private order(): number[] {
    const n = this.dataset.length;
    return this.shuffle ? this.generator.permutation(n) : Array.from({ length: n }, (_, i) => i);
  }

  *[Symbol.iterator](): Iterator<B> {
    const order = this.order();
    const nb = this.length;
    for (let b = 0; b < nb; b++) {
      const idx = order.slice(b * this.batchSize, (b + 1) * this.batchSize);
      yield this.collateFn(idx.map((i) => this.dataset.get(i)));
    }
  }
}
