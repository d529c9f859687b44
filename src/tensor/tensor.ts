import { DTypeError, ShapeError, ValueError } from '../util/errors.js';
import { numel, shapeStr } from '../util/shape.js';

export type DType = 'float32' | 'int32';
export type Storage<D extends DType> = D extends 'int32' ? Int32Array : Float32Array;

/**
 * A node of the autograd graph: the op that produced a tensor, its inputs, and the rule that maps the
 * output's gradient to the inputs' gradients (null where an input needs none). Set to null once
 * backward has used it, so the graph and the activations it holds are freed.
 */
export interface GradNode {
  readonly name: string;
  inputs: readonly Tensor[];
  backward: ((grad: Tensor) => readonly (Tensor | null)[]) | null;
  /** Recorded through the public `record` (a user's rule): the engine makes no assumption about what it keeps. */
  custom?: boolean;
}

type BackwardImpl = (t: Tensor, grad: Tensor | undefined, retainGraph: boolean) => void;
let backwardImpl: BackwardImpl | null = null;

/** Installed by the autograd layer (which sits above tensors and may not be imported from here). */
export function setBackwardImpl(fn: BackwardImpl): void {
  backwardImpl = fn;
}

/**
 * A dense, contiguous, row-major tensor. `data` is shared with native kernels without copies.
 * float32 for values; int32 for class labels and indices.
 */
export class Tensor<D extends DType = 'float32'> {
  readonly data: Storage<D>;
  readonly shape: readonly number[];
  readonly dtype: D;
  requiresGrad: boolean;
  /** Accumulated gradient of a leaf tensor after `backward()`; null before. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, while its graph is alive; null for leaves. */
  gradFn: GradNode | null = null;

  constructor(data: Storage<D>, shape: readonly number[], dtype: D, requiresGrad = false) {
    for (const s of shape) {
      if (!Number.isInteger(s) || s < 0) {
        throw new ShapeError(`Tensor: shape entries must be non-negative integers, got ${shapeStr(shape)}`);
      }
    }
    if (data.length !== numel(shape)) {
      throw new ShapeError(
        `Tensor: data has ${data.length} elements but shape ${shapeStr(shape)} needs ${numel(shape)}`,
      );
    }
    if (requiresGrad && dtype !== 'float32') {
      throw new DTypeError('Tensor: only float32 tensors can require gradients');
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.requiresGrad = requiresGrad;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Size along one axis (negative axes count from the end). */
  dim(axis: number): number {
    const a = axis < 0 ? axis + this.shape.length : axis;
    if (a < 0 || a >= this.shape.length) {
      throw new ShapeError(`Tensor.dim: axis ${axis} out of range for shape ${shapeStr(this.shape)}`);
    }
    return this.shape[a];
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) {
      throw new ShapeError(`Tensor.item: needs exactly one element, got shape ${shapeStr(this.shape)}`);
    }
    return this.data[0];
  }

  /** Back-propagates from this tensor. `grad` defaults to 1 for a one-element tensor. */
  backward(grad?: Tensor, opts: { retainGraph?: boolean } = {}): void {
    if (!backwardImpl) throw new Error('Tensor.backward: autograd is not loaded (import from the package root)');
    backwardImpl(this as Tensor, grad, opts.retainGraph ?? false);
  }

  /** A tensor sharing this one's storage, cut from the graph. */
  detach(): Tensor<D> {
    return new Tensor(this.data, this.shape, this.dtype, false);
  }

  /** A deep copy of the values (no graph). */
  clone(): Tensor<D> {
    return new Tensor(this.data.slice() as Storage<D>, this.shape, this.dtype, false);
  }

  /** Marks a leaf as requiring gradients (in place), as PyTorch's `requires_grad_()`. */
  requiresGrad_(flag = true): this {
    if (this.gradFn) throw new ValueError('requiresGrad_: only leaf tensors can change requiresGrad');
    if (flag && this.dtype !== 'float32') throw new DTypeError('requiresGrad_: only float32 tensors can require gradients');
    this.requiresGrad = flag;
    return this;
  }

  /** Values as a (nested) JS array, for printing and tests. */
  toArray(): unknown {
    const rec = (dimIdx: number, offset: number): unknown => {
      if (dimIdx === this.shape.length) return this.data[offset];
      const n = this.shape[dimIdx];
      let inner = 1;
      for (let i = dimIdx + 1; i < this.shape.length; i++) inner *= this.shape[i];
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(rec(dimIdx + 1, offset + i * inner));
      return out;
    };
    return rec(0, 0);
  }

  toString(): string {
    const head = Array.from(this.data.subarray(0, 8), (v) => +v.toPrecision(5)).join(', ');
    const more = this.data.length > 8 ? ', …' : '';
    const grad = this.gradFn ? `, gradFn=${this.gradFn.name}` : this.requiresGrad ? ', requiresGrad' : '';
    return `Tensor(shape=${shapeStr(this.shape)}, dtype=${this.dtype}${grad}, [${head}${more}])`;
  }
}

/** Throws unless `t` is float32 (values) — ops call this on their inputs. */
export function assertFloat(t: Tensor<DType>, op: string, name: string): asserts t is Tensor {
  if (t.dtype !== 'float32') {
    throw new DTypeError(`${op}: ${name} must be float32, got ${t.dtype}`);
  }
}
