/**
 * Checked wrappers of the optimizer update kernels (native/src/optim.cc): one threaded pass per
 * parameter. Arithmetic is per element in double, rounded to float32 on store.
 */
import { ShapeError } from '../util/errors.js';
import { native } from './binding.js';

function same(op: string, n: number, arrays: Record<string, Float32Array | null>): void {
  for (const [name, a] of Object.entries(arrays)) {
    if (a && a.length !== n) throw new ShapeError(`${op}: ${name} has ${a.length} elements, the parameter ${n}`);
  }
}

export interface SgdScalars {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  /** −1 to maximize. */
  sign: number;
  nesterov: boolean;
}

/**
 * One SGD update of `p` in place (PyTorch's rule). `buf` is the momentum buffer (null without momentum);
 * on the `first` step it is overwritten with the gradient, afterwards updated in place.
 */
export function sgdUpdate(p: Float32Array, g: Float32Array, buf: Float32Array | null, s: SgdScalars, first: boolean): void {
  same('sgdUpdate', p.length, { gradient: g, 'momentum buffer': buf });
  if (p.length) native.sgdUpdate(p, g, buf, p.length, s.lr, s.momentum, s.dampening, s.weightDecay, s.sign, s.nesterov, first);
}

export interface AdamScalars {
  /** Decoupled weight decay factor 1 − lr·wd (AdamW), 1 for Adam. */
  decay: number;
  /** L2 weight decay added to the gradient (Adam), 0 for AdamW. */
  l2: number;
  sign: number;
  beta1: number;
  beta2: number;
  /** lr / (1 − β1^t). */
  stepSize: number;
  /** sqrt(1 − β2^t). */
  bc2Sqrt: number;
  eps: number;
}

/** One Adam / AdamW update of `p`, `m`, `v` (and `vmax` with amsgrad) in place. */
export function adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null, s: AdamScalars): void {
  same('adamUpdate', p.length, { gradient: g, exp_avg: m, exp_avg_sq: v, max_exp_avg_sq: vmax });
  if (p.length) {
    native.adamUpdate(p, g, m, v, vmax, p.length, [s.decay, s.l2, s.sign, s.beta1, s.beta2, s.stepSize, s.bc2Sqrt, s.eps]);
  }
}
