/**
 * Checked wrappers of the native normalisation kernels (native/src/norm.cc). The input is viewed as
 * [N, G, Cg, S]; statistics are per g over (N, Cg, S) (batch norm, Cg = 1) or, with `perN`, per
 * (n, g) over (Cg, S) (instance norm with Cg = 1, group norm). Weight and bias are per channel.
 */
import { allocF32, allocF32Uninit } from './alloc.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { native } from './binding.js';

export interface NormLayout {
  n: number;
  g: number;
  cg: number;
  s: number;
  perN: boolean;
}

function check(op: string, L: NormLayout): { total: number; stats: number; channels: number; arr: number[] } {
  for (const [k, v] of [['n', L.n], ['g', L.g], ['cg', L.cg], ['s', L.s]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ValueError(`${op}: layout.${k} must be a non-negative integer, got ${v}`);
  }
  return {
    total: L.n * L.g * L.cg * L.s,
    stats: L.perN ? L.n * L.g : L.g,
    channels: L.g * L.cg,
    arr: [L.n, L.g, L.cg, L.s, L.perN ? 1 : 0],
  };
}

function len(op: string, name: string, a: ArrayLike<number> | null, n: number): void {
  if (a && a.length !== n) throw new ShapeError(`${op}: ${name} has ${a.length} elements, expected ${n}`);
}

/** Per-group mean and biased variance. */
export function normStats(x: Float32Array, L: NormLayout): { mean: Float32Array; variance: Float32Array } {
  const op = 'normStats';
  const c = check(op, L);
  len(op, 'x', x, c.total);
  const mean = allocF32(c.stats);
  const variance = allocF32(c.stats);
  native.normStats(x, c.arr, mean, variance);
  return { mean, variance };
}

/**
 * y = (x - mean) * invstd * weight + bias, stats per group, affine per channel; with `relu`, max(y, 0)
 * (torch.relu's NaN handling) in the same pass.
 */
export function normApply(
  x: Float32Array,
  L: NormLayout,
  mean: Float32Array,
  invstd: Float32Array,
  weight: Float32Array | null,
  bias: Float32Array | null,
  relu = false,
): Float32Array {
  const op = 'normApply';
  const c = check(op, L);
  len(op, 'x', x, c.total);
  len(op, 'mean', mean, c.stats);
  len(op, 'invstd', invstd, c.stats);
  len(op, 'weight', weight, c.channels);
  len(op, 'bias', bias, c.channels);
  const y = allocF32Uninit(c.total); // every element written
  native.normApply(x, c.arr, mean, invstd, weight, bias, y, relu);
  return y;
}

/**
 * Gradients of normApply. With `batchStats` the statistics are taken as functions of x (training);
 * otherwise as constants (running statistics). Only the requested gradients are computed. `relu`: the
 * forward was normApply with `relu` and this `bias`, and dy is the gradient of its output (the kernel
 * recomputes the ReLU's mask from x).
 */
export function normBackward(
  x: Float32Array,
  dy: Float32Array,
  L: NormLayout,
  mean: Float32Array,
  invstd: Float32Array,
  weight: Float32Array | null,
  batchStats: boolean,
  want: { dx: boolean; dw: boolean; db: boolean },
  relu: { bias: Float32Array | null } | null = null,
): { dx: Float32Array | null; dw: Float32Array | null; db: Float32Array | null } {
  const op = 'normBackward';
  const c = check(op, L);
  len(op, 'x', x, c.total);
  len(op, 'dy', dy, c.total);
  len(op, 'mean', mean, c.stats);
  len(op, 'invstd', invstd, c.stats);
  len(op, 'weight', weight, c.channels);
  len(op, 'bias', relu?.bias ?? null, c.channels);
  const dx = want.dx ? allocF32Uninit(c.total) : null; // every element written
  const dw = want.dw ? allocF32(c.channels) : null;
  const db = want.db ? allocF32(c.channels) : null;
  if (dx || dw || db) native.normBackward(x, dy, c.arr, mean, invstd, weight, batchStats, dx, dw, db, relu !== null, relu?.bias ?? null);
  return { dx, dw, db };
}
