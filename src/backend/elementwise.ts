import { ShapeError } from '../util/errors.js';
import { native } from './binding.js';

/** Activations with a native (threaded, vectorised) kernel. */
export type NativeUnary = 'exp' | 'sigmoid' | 'tanh' | 'silu' | 'gelu';

const KIND: Record<NativeUnary, number> = { exp: 0, sigmoid: 1, tanh: 2, silu: 3, gelu: 4 };

/** y = f(x) elementwise; `y` must be as long as `x`. */
export function unaryForward(op: NativeUnary, x: Float32Array, y: Float32Array): void {
  if (y.length !== x.length) throw new ShapeError(`unaryForward(${op}): output has ${y.length} elements, input ${x.length}`);
  native.unaryForward(KIND[op], x, y, x.length);
}

/**
 * d = g · f'(x) elementwise. exp, sigmoid and tanh read the forward output `y`; silu and gelu read
 * the input `x`.
 */
export function unaryBackward(op: NativeUnary, x: Float32Array | null, y: Float32Array | null, g: Float32Array, d: Float32Array): void {
  const n = g.length;
  const needX = op === 'silu' || op === 'gelu';
  const src = needX ? x : y;
  if (!src) throw new ShapeError(`unaryBackward(${op}): needs the forward ${needX ? 'input x' : 'output y'}`);
  if (src.length !== n || d.length !== n) {
    throw new ShapeError(`unaryBackward(${op}): lengths differ (g ${n}, ${needX ? 'x' : 'y'} ${src.length}, d ${d.length})`);
  }
  native.unaryBackward(KIND[op], needX ? src : null, needX ? null : src, g, d, n);
}
