/**
 * Normalisation ops with autograd: batch, instance and group norm over `[N, C, *]`, after
 * torch.nn.functional. One native kernel family serves all three (src/backend/norm.ts): they differ
 * only in which elements share statistics.
 */
import { allocF32 } from '../backend/alloc.js';
import { needsGrad, record } from '../autograd/record.js';
import { type NormLayout, normApply, normBackward, normStats } from '../backend/norm.js';
import { Tensor, assertFloat } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { shapeStr } from '../util/shape.js';

export interface BatchNormOptions {
  /** Normalise with batch statistics and update the running ones (default false, as PyTorch). */
  training?: boolean;
  momentum?: number;
  eps?: number;
  /**
   * Apply a ReLU to the result in the same pass: `relu(batchNorm(x, …))` with identical values and
   * gradients, without the intermediate tensor (default false). `nn.Sequential` uses it for a BatchNorm
   * followed by a ReLU.
   */
  relu?: boolean;
}

export interface InstanceNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  /** Normalise with each instance's statistics (default true); false uses the running ones. */
  useInputStats?: boolean;
  momentum?: number;
  eps?: number;
}

function channels(op: string, x: Tensor): { n: number; c: number; s: number } {
  assertFloat(x, op, 'input');
  if (x.ndim < 2) {
    throw new ShapeError(`${op}: input must have rank >= 2 [N, C, *], got rank ${x.ndim} (shape ${shapeStr(x.shape)})`);
  }
  const s = x.shape.slice(2).reduce((a, b) => a * b, 1);
  return { n: x.shape[0], c: x.shape[1], s };
}

function perChannel(op: string, name: string, t: Tensor | null | undefined, c: number): Tensor | null {
  if (!t) return null;
  assertFloat(t, op, name);
  if (t.ndim !== 1 || t.shape[0] !== c) {
    throw new ShapeError(`${op}: ${name} must have shape [${c}] (one per channel), got ${shapeStr(t.shape)}`);
  }
  return t;
}

function checkEps(op: string, eps: number, momentum: number): void {
  if (!(eps >= 0)) throw new ValueError(`${op}: eps must be non-negative, got ${eps}`);
  if (!Number.isFinite(momentum)) throw new ValueError(`${op}: momentum must be a finite number, got ${momentum}`);
}

function invStd(variance: Float32Array, eps: number): Float32Array {
  const out = allocF32(variance.length);
  for (let i = 0; i < out.length; i++) out[i] = 1 / Math.sqrt(variance[i] + eps);
  return out;
}

// Shared forward + autograd of the three norms, given the layout and the statistics to use.
function applyNorm(
  name: string,
  x: Tensor,
  L: NormLayout,
  mean: Float32Array,
  invstd: Float32Array,
  weight: Tensor | null,
  bias: Tensor | null,
  batchStats: boolean,
  relu = false,
): Tensor {
  const y = new Tensor(normApply(x.data, L, mean, invstd, weight?.data ?? null, bias?.data ?? null, relu), x.shape, 'float32');
  const inputs = [x, weight, bias].filter((t): t is Tensor => t !== null);
  if (!needsGrad(...inputs)) return y;
  const xd = x.data;
  const xShape = x.shape;
  const wd = weight?.data ?? null;
  const bd = bias?.data ?? null;
  const want = { dx: x.requiresGrad, dw: weight?.requiresGrad ?? false, db: bias?.requiresGrad ?? false };
  return record(y, relu ? `${name}ReLU` : name, inputs, (g) => {
    const r = normBackward(xd, g.data, L, mean, invstd, wd, batchStats, want, relu ? { bias: bd } : null);
    const grads: (Tensor | null)[] = [r.dx ? new Tensor(r.dx, xShape, 'float32') : null];
    if (weight) grads.push(r.dw ? new Tensor(r.dw, weight.shape, 'float32') : null);
    if (bias) grads.push(r.db ? new Tensor(r.db, bias.shape, 'float32') : null);
    return grads;
  });
}

/**
 * Batch normalisation of `[N, C, *]` (as `F.batch_norm`). In training it normalises with the batch
 * mean and biased variance and, when running stats are given, updates them in place:
 * `r = (1 - momentum) * r + momentum * stat`, with the unbiased variance for `runningVar`.
 * In evaluation it uses the running statistics (which are then required).
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  { training = false, momentum = 0.1, eps = 1e-5, relu = false }: BatchNormOptions = {},
): Tensor {
  const op = 'batchNorm';
  const { n, c, s } = channels(op, x);
  const rm = perChannel(op, 'runningMean', runningMean, c);
  const rv = perChannel(op, 'runningVar', runningVar, c);
  const w = perChannel(op, 'weight', weight, c);
  const b = perChannel(op, 'bias', bias, c);
  checkEps(op, eps, momentum);
  if ((rm === null) !== (rv === null)) throw new ValueError(`${op}: runningMean and runningVar must be given together`);
  const L: NormLayout = { n, g: c, cg: 1, s, perN: false };
  if (training) {
    const m = n * s;
    if (m <= 1) {
      throw new ValueError(`${op}: expected more than 1 value per channel when training, got input shape ${shapeStr(x.shape)}`);
    }
    const st = normStats(x.data, L);
    if (rm && rv) {
      const unbias = m / (m - 1);
      for (let i = 0; i < c; i++) {
        rm.data[i] = (1 - momentum) * rm.data[i] + momentum * st.mean[i];
        rv.data[i] = (1 - momentum) * rv.data[i] + momentum * st.variance[i] * unbias;
      }
    }
    return applyNorm('BatchNorm', x, L, st.mean, invStd(st.variance, eps), w, b, true, relu);
  }
  if (!rm || !rv) {
    throw new ValueError(`${op}: runningMean and runningVar are required in evaluation mode (training: false)`);
  }
  return applyNorm('BatchNorm', x, L, Float32Array.from(rm.data), invStd(rv.data, eps), w, b, false, relu);
}

/**
 * Instance normalisation of `[N, C, *]` (as `F.instance_norm`): statistics per sample and channel.
 * With running stats and `useInputStats`, they are updated with the batch average of the instance
 * statistics (unbiased variance); with `useInputStats: false` the running stats normalise.
 */
export function instanceNorm(x: Tensor, opts: InstanceNormOptions = {}): Tensor {
  const op = 'instanceNorm';
  const { useInputStats = true, momentum = 0.1, eps = 1e-5 } = opts;
  const { n, c, s } = channels(op, x);
  const rm = perChannel(op, 'runningMean', opts.runningMean, c);
  const rv = perChannel(op, 'runningVar', opts.runningVar, c);
  const w = perChannel(op, 'weight', opts.weight, c);
  const b = perChannel(op, 'bias', opts.bias, c);
  checkEps(op, eps, momentum);
  if ((rm === null) !== (rv === null)) throw new ValueError(`${op}: runningMean and runningVar must be given together`);
  const L: NormLayout = { n, g: c, cg: 1, s, perN: true };
  if (useInputStats) {
    if (s <= 1) {
      throw new ValueError(`${op}: expected more than 1 spatial element when training, got input shape ${shapeStr(x.shape)}`);
    }
    const st = normStats(x.data, L);
    if (rm && rv) {
      const unbias = s / (s - 1);
      for (let ch = 0; ch < c; ch++) {
        let mSum = 0;
        let vSum = 0;
        for (let i = 0; i < n; i++) {
          mSum += st.mean[i * c + ch];
          vSum += st.variance[i * c + ch] * unbias;
        }
        rm.data[ch] = (1 - momentum) * rm.data[ch] + (momentum * mSum) / n;
        rv.data[ch] = (1 - momentum) * rv.data[ch] + (momentum * vSum) / n;
      }
    }
    return applyNorm('InstanceNorm', x, L, st.mean, invStd(st.variance, eps), w, b, true);
  }
  if (!rm || !rv) {
    throw new ValueError(`${op}: runningMean and runningVar are required when useInputStats is false`);
  }
  const mean = allocF32(n * c);
  const variance = allocF32(n * c);
  for (let i = 0; i < n; i++) {
    mean.set(rm.data, i * c);
    variance.set(rv.data, i * c);
  }
  return applyNorm('InstanceNorm', x, L, mean, invStd(variance, eps), w, b, false);
}

/**
 * Group normalisation of `[N, C, *]` (as `F.group_norm`): statistics per sample over each group of
 * `C / numGroups` channels; `weight` and `bias` are per channel.
 */
export function groupNorm(x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const op = 'groupNorm';
  const { n, c, s } = channels(op, x);
  if (!Number.isInteger(numGroups) || numGroups < 1) throw new ValueError(`${op}: numGroups must be a positive integer, got ${numGroups}`);
  if (c % numGroups !== 0) {
    throw new ShapeError(`${op}: the number of channels (${c}) must be divisible by numGroups (${numGroups}), input shape ${shapeStr(x.shape)}`);
  }
  const w = perChannel(op, 'weight', weight, c);
  const b = perChannel(op, 'bias', bias, c);
  checkEps(op, eps, 0);
  const L: NormLayout = { n, g: numGroups, cg: c / numGroups, s, perN: true };
  const st = normStats(x.data, L);
  return applyNorm('GroupNorm', x, L, st.mean, invStd(st.variance, eps), w, b, true);
}
