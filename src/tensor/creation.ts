import { ShapeError, ValueError } from '../util/errors.js';
import { numel, shapeStr } from '../util/shape.js';
import { type DType, type Storage, Tensor } from './tensor.js';

export interface TensorOptions<D extends DType = 'float32'> {
  dtype?: D;
  requiresGrad?: boolean;
}

type Nested = number | Nested[];

function flatten(values: Nested, shape: number[], out: number[], depth: number): void {
  if (typeof values === 'number') {
    if (depth !== shape.length) throw new ShapeError('tensor: nested arrays are ragged');
    out.push(values);
    return;
  }
  if (depth === shape.length) shape.push(values.length);
  else if (shape[depth] !== values.length) throw new ShapeError('tensor: nested arrays are ragged');
  for (const v of values) flatten(v, shape, out, depth + 1);
}

function alloc<D extends DType>(dtype: D, n: number): Storage<D> {
  return (dtype === 'int32' ? new Int32Array(n) : new Float32Array(n)) as Storage<D>;
}

/**
 * Creates a tensor. `values` is a flat typed array or number array (then `shape` is required unless it
 * is 1-D) or a nested number array whose nesting gives the shape. A Float32Array/Int32Array of the
 * right dtype is used without a copy.
 */
export function tensor(
  values: Float32Array | Int32Array | Nested,
  shape?: readonly number[],
  opts?: TensorOptions<'float32'>,
): Tensor;
export function tensor(
  values: Float32Array | Int32Array | Nested,
  shape: readonly number[] | undefined,
  opts: TensorOptions<'int32'> & { dtype: 'int32' },
): Tensor<'int32'>;
export function tensor<D extends DType>(
  values: Float32Array | Int32Array | Nested,
  shape?: readonly number[],
  opts: TensorOptions<D> = {},
): Tensor<D> {
  const dtype = (opts.dtype ?? 'float32') as D;
  let data: Storage<D>;
  let sh: number[];
  if (values instanceof Float32Array || values instanceof Int32Array) {
    const sameKind = dtype === 'int32' ? values instanceof Int32Array : values instanceof Float32Array;
    data = (sameKind ? values : dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values)) as Storage<D>;
    sh = shape ? [...shape] : [values.length];
  } else if (Array.isArray(values) && values.some((v) => Array.isArray(v))) {
    const inferred: number[] = [];
    const flat: number[] = [];
    flatten(values, inferred, flat, 0);
    data = (dtype === 'int32' ? Int32Array.from(flat) : Float32Array.from(flat)) as Storage<D>;
    sh = shape ? [...shape] : inferred;
  } else if (typeof values === 'number') {
    data = alloc(dtype, 1);
    data[0] = values;
    sh = shape ? [...shape] : [];
  } else {
    const arr = values as number[];
    data = (dtype === 'int32' ? Int32Array.from(arr) : Float32Array.from(arr)) as Storage<D>;
    sh = shape ? [...shape] : [arr.length];
  }
  if (numel(sh) !== data.length) {
    throw new ShapeError(`tensor: ${data.length} values do not fill shape ${shapeStr(sh)} (${numel(sh)} elements)`);
  }
  return new Tensor(data, sh, dtype, opts.requiresGrad ?? false);
}

/** A one-element (rank 0) tensor. */
export function scalar(v: number): Tensor {
  return new Tensor(Float32Array.of(v), [], 'float32');
}

export function full(shape: readonly number[], value: number, opts: TensorOptions<'float32'> = {}): Tensor {
  checkShape(shape, 'full');
  const t = new Tensor(new Float32Array(numel(shape)), shape, 'float32', opts.requiresGrad ?? false);
  if (value !== 0) t.data.fill(value);
  return t;
}

export function zeros(shape: readonly number[], opts: TensorOptions<'float32'> = {}): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: readonly number[], opts: TensorOptions<'float32'> = {}): Tensor {
  return full(shape, 1, opts);
}

export function zerosLike(t: Tensor<DType>): Tensor {
  return zeros(t.shape);
}

export function onesLike(t: Tensor<DType>): Tensor {
  return ones(t.shape);
}

/** `[start, start + step, …)` below `end`, float32 (or int32 with `{ dtype: 'int32' }`). */
export function arange(start: number, end?: number, step = 1): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new ValueError('arange: step must be non-zero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return new Tensor(out, [n], 'float32');
}

function checkShape(shape: readonly number[], op: string): void {
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new ShapeError(`${op}: invalid shape ${shapeStr(shape)}`);
  }
}
