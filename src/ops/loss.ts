import { allocF32, allocF32Uninit } from '../backend/alloc.js';
import { channelSum, softmaxMiddle, softmaxMiddleBackward } from '../backend/elementwise.js';
import { record, needsGrad } from '../autograd/record.js';
import { assertFloat, type DType, Tensor } from '../tensor/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../util/errors.js';
import { broadcastShapes, numel, sameShape, shapeStr, stridesOf } from '../util/shape.js';

/** How per-element losses are combined, as PyTorch's `reduction`. */
export type Reduction = 'mean' | 'sum' | 'none';

function checkReduction(r: unknown, op: string): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new ValueError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(r)}`);
  }
  return r;
}

function f32(shape: readonly number[], data?: Float32Array): Tensor {
  return new Tensor(data ?? allocF32(numel(shape)), shape, 'float32');
}

/** The reduced loss tensor: a scalar for 'mean'/'sum', the per-element values for 'none'. */
function reduce(per: Float64Array | Float32Array, shape: readonly number[], reduction: Reduction, divisor: number): Tensor {
  if (reduction === 'none') return f32(shape, Float32Array.from(per));
  let s = 0;
  for (let i = 0; i < per.length; i++) s += per[i];
  return f32([], Float32Array.of(reduction === 'mean' ? s / divisor : s));
}

/** Gradient of the output at element i: `g[i]` for 'none', the scalar (times `scale`) otherwise. */
function gradAt(g: Tensor, reduction: Reduction, scale: number): (i: number) => number {
  if (reduction === 'none') {
    const d = g.data;
    return (i) => d[i] * scale;
  }
  const v = g.data[0] * scale;
  return () => v;
}

interface ClassLayout {
  n: number;
  c: number;
  /** Product of the spatial dims (1 for [N, C]). */
  s: number;
  /** Shape of a per-position result (the target's shape). */
  posShape: number[];
}

/**
 * Checks logits [N, C, d1, …] (or [C]) against int32 labels [N, d1, …] (or []) and every label
 * against [0, C) except `ignoreIndex`; names the first bad label and its position.
 */
function classLayout(logits: Tensor, target: Tensor<DType>, op: string, ignoreIndex: number | null): ClassLayout {
  assertFloat(logits, op, 'input');
  if (target.dtype !== 'int32') {
    throw new DTypeError(`${op}: target must be int32 class indices, got ${target.dtype}`);
  }
  const ls = logits.shape;
  if (ls.length === 0) throw new ShapeError(`${op}: input must be [N, C, ...] or [C], got a scalar`);
  const expected = ls.length === 1 ? [] : [ls[0], ...ls.slice(2)];
  if (!sameShape(target.shape, expected)) {
    throw new ShapeError(
      `${op}: target must have shape ${shapeStr(expected)} for input ${shapeStr(ls)} (input without the class dim), got ${shapeStr(target.shape)}`,
    );
  }
  const c = ls.length === 1 ? ls[0] : ls[1];
  if (c === 0) throw new ShapeError(`${op}: input has no classes (shape ${shapeStr(ls)})`);
  const n = ls.length === 1 ? 1 : ls[0];
  const s = numel(ls.slice(2));
  const t = target.data;
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    if ((v < 0 || v >= c) && v !== ignoreIndex) {
      throw new ValueError(
        `${op}: target value ${v} at flat position ${i} is out of range for ${c} classes (expected 0..${c - 1}` +
          (ignoreIndex === null ? ')' : ` or ignoreIndex ${ignoreIndex})`),
      );
    }
  }
  return { n, c, s, posShape: [...target.shape] };
}

/** Fills `lp` with log-softmax over the classes of position (b, j); returns nothing (lp has length C). */
function logSoftmaxAt(x: Float32Array, base: number, c: number, s: number, lp: Float64Array): void {
  let m = -Infinity;
  for (let k = 0; k < c; k++) m = Math.max(m, x[base + k * s]);
  let z = 0;
  for (let k = 0; k < c; k++) z += Math.exp(x[base + k * s] - m);
  const lse = m + Math.log(z);
  for (let k = 0; k < c; k++) lp[k] = x[base + k * s] - lse;
}

function classWeights(weight: Tensor | null | undefined, c: number, op: string): Float64Array | null {
  if (!weight) return null;
  assertFloat(weight, op, 'weight');
  if (weight.ndim !== 1 || weight.size !== c) {
    throw new ShapeError(`${op}: weight must have shape [${c}] (one per class), got ${shapeStr(weight.shape)}`);
  }
  return Float64Array.from(weight.data);
}

export interface CrossEntropyOptions {
  /** Per-class rescaling weight [C]. */
  weight?: Tensor | null;
  /** Target value that contributes neither loss nor gradient (default -100). */
  ignoreIndex?: number;
  /** Mass moved from the target class to the uniform distribution, in [0, 1]. */
  labelSmoothing?: number;
  reduction?: Reduction;
}

/**
 * Softmax cross-entropy of logits [N, C, d1, …] (or [C]) against int32 class indices [N, d1, …],
 * as `torch.nn.functional.cross_entropy` (1.13) including its label-smoothing formula:
 * `(1−ε)·w_t·(−log p_t) + (ε/C)·Σ_c −w_c·log p_c` per position; ignored positions give 0; 'mean'
 * divides the sum by the summed weights `Σ w_t` of the non-ignored targets (their count without
 * weights; NaN when all are ignored), as PyTorch. Gradient w.r.t. the logits.
 */
export function crossEntropy(logits: Tensor, target: Tensor<'int32'>, opts: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const { ignoreIndex = -100, labelSmoothing: eps = 0 } = opts;
  const reduction = checkReduction(opts.reduction ?? 'mean', op);
  if (!Number.isInteger(ignoreIndex)) throw new ValueError(`${op}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  if (!(eps >= 0 && eps <= 1)) throw new ValueError(`${op}: labelSmoothing must be in [0, 1], got ${eps}`);
  const { n, c, s, posShape } = classLayout(logits, target, op, ignoreIndex);
  const w = classWeights(opts.weight, c, op);
  let wTotal = c;
  if (w) {
    wTotal = 0;
    for (let k = 0; k < c; k++) wTotal += w[k];
  }
  const x = logits.data;
  const t = target.data;
  const m = n * s;
  const per = new Float64Array(m);
  const lp = new Float64Array(c);
  let wsum = 0;
  let nllSum = 0;
  let smoothSum = 0;
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < s; j++) {
      const i = b * s + j;
      const ti = t[i];
      if (ti === ignoreIndex) continue;
      logSoftmaxAt(x, b * c * s + j, c, s, lp);
      const wt = w ? w[ti] : 1;
      wsum += wt;
      let smooth = 0;
      if (eps > 0) for (let k = 0; k < c; k++) smooth -= (w ? w[k] : 1) * lp[k];
      const nll = -wt * lp[ti];
      nllSum += nll;
      smoothSum += smooth;
      per[i] = (1 - eps) * nll + (eps / c) * smooth;
    }
  }
  // 'mean': both terms are normalised by the summed weights of the non-ignored targets (their count
  // without weights), as PyTorch 1.13.
  const div = reduction === 'mean' ? wsum : 1;
  const out =
    reduction === 'none'
      ? reduce(per, posShape, reduction, 1)
      : f32([], Float32Array.of(((1 - eps) * nllSum + (eps / c) * smoothSum) / div));
  if (!needsGrad(logits)) return out;
  const shape = logits.shape;
  return record(out, 'CrossEntropy', [logits], (g) => {
    const gx = allocF32(x.length);
    const ga = gradAt(g, reduction, (1 - eps) / div);
    const gb = gradAt(g, reduction, eps / c / div);
    const p = new Float64Array(c);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < s; j++) {
        const i = b * s + j;
        const ti = t[i];
        if (ti === ignoreIndex) continue;
        const base = b * c * s + j;
        logSoftmaxAt(x, base, c, s, p);
        const a = ga(i) * (w ? w[ti] : 1);
        const bb = gb(i);
        for (let k = 0; k < c; k++) {
          const pk = Math.exp(p[k]);
          // d(−log p_t)/dz_k = p_k − δ_kt;  d(−Σ w_c log p_c)/dz_k = p_k·Σw − w_k.
          gx[base + k * s] = a * (pk - (k === ti ? 1 : 0)) + (eps > 0 ? bb * (pk * wTotal - (w ? w[k] : 1)) : 0);
        }
      }
    }
    return [f32(shape, gx)];
  });
}

/** `t`'s values broadcast to `shape` (which must be the broadcast result), as a dense copy. */
function broadcastTo(t: Tensor, shape: readonly number[], op: string, name: string): Float32Array {
  assertFloat(t, op, name);
  let b: number[] | null = null;
  try {
    b = broadcastShapes(t.shape, shape, op);
  } catch {
    b = null;
  }
  if (!b || !sameShape(b, shape)) {
    throw new ShapeError(`${op}: ${name} of shape ${shapeStr(t.shape)} does not broadcast to the input's shape ${shapeStr(shape)}`);
  }
  if (sameShape(t.shape, shape)) return t.data;
  const out = allocF32(numel(shape));
  const r = shape.length;
  const src = stridesOf(t.shape);
  // Source stride per output axis: 0 where t has size 1 or lacks the axis.
  const st = shape.map((_, a) => {
    const ta = a - (r - t.ndim);
    return ta < 0 || t.shape[ta] === 1 ? 0 : src[ta];
  });
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = t.data[off];
    for (let a = r - 1; a >= 0; a--) {
      idx[a]++;
      off += st[a];
      if (idx[a] < shape[a]) break;
      off -= st[a] * shape[a];
      idx[a] = 0;
    }
  }
  return out;
}

export interface BceWithLogitsOptions {
  /** Rescales each element's loss; broadcast to the input's shape. */
  weight?: Tensor | null;
  /** Weight of the positive term, broadcast to the input's shape (usually [C] for input [N, C]). */
  posWeight?: Tensor | null;
  reduction?: Reduction;
}

/**
 * Binary cross-entropy on logits, as `torch.nn.functional.binary_cross_entropy_with_logits`:
 * `w·[(1−t)·x + (1 + (pw−1)·t)·log(1 + e^−x)]`, computed stably. `target` is float32 of the input's
 * shape (soft labels allowed). Gradients w.r.t. the logits and the target.
 */
export function bceWithLogits(logits: Tensor, target: Tensor, opts: BceWithLogitsOptions = {}): Tensor {
  const op = 'bceWithLogits';
  assertFloat(logits, op, 'input');
  if (target.dtype !== 'float32') throw new DTypeError(`${op}: target must be float32 (0/1 or soft labels), got ${target.dtype}`);
  if (!sameShape(logits.shape, target.shape)) {
    throw new ShapeError(`${op}: target shape ${shapeStr(target.shape)} must equal the input's ${shapeStr(logits.shape)}`);
  }
  const reduction = checkReduction(opts.reduction ?? 'mean', op);
  const shape = logits.shape;
  const w = opts.weight ? broadcastTo(opts.weight, shape, op, 'weight') : null;
  const pw = opts.posWeight ? broadcastTo(opts.posWeight, shape, op, 'posWeight') : null;
  const x = logits.data;
  const t = target.data;
  const per = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    // log(1 + e^−x) = max(−x, 0) + log1p(e^−|x|): no overflow for large |x|.
    const sp = Math.max(-xi, 0) + Math.log1p(Math.exp(-Math.abs(xi)));
    const lw = pw ? 1 + (pw[i] - 1) * t[i] : 1;
    per[i] = (w ? w[i] : 1) * ((1 - t[i]) * xi + lw * sp);
  }
  const out = reduce(per, shape, reduction, x.length);
  if (!needsGrad(logits, target)) return out;
  const xNeeds = logits.requiresGrad;
  const tNeeds = target.requiresGrad;
  return record(out, 'BCEWithLogits', [logits, target], (g) => {
    const gi = gradAt(g, reduction, reduction === 'mean' ? 1 / x.length : 1);
    const gx = xNeeds ? allocF32(x.length) : null;
    const gt = tNeeds ? allocF32(x.length) : null;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i];
      const scale = gi(i) * (w ? w[i] : 1);
      const pwi = pw ? pw[i] : 1;
      if (gx) {
        const sigNeg = 1 / (1 + Math.exp(xi)); // σ(−x) = −d/dx log(1 + e^−x)
        gx[i] = scale * (1 - t[i] - (1 + (pwi - 1) * t[i]) * sigNeg);
      }
      if (gt) {
        const sp = Math.max(-xi, 0) + Math.log1p(Math.exp(-Math.abs(xi)));
        gt[i] = scale * (-xi + (pwi - 1) * sp);
      }
    }
    return [gx && f32(shape, gx), gt && f32(shape, gt)];
  });
}

export interface SoftDiceOptions {
  /** Added to numerator and denominator of each class's Dice (default 1). */
  smooth?: number;
  /**
   * What the summed per-class losses are divided by: 'allClasses' (default) is the reference
   * ACSConv experiments' `soft_dice_loss` (loss / n_classes even though absent classes add nothing);
   * 'presentClasses' divides by the number of classes present in the batch's target.
   */
  divideBy?: 'allClasses' | 'presentClasses';
}

/**
 * Soft Dice loss of logits [N, C, d1, …] against int32 labels [N, d1, …], the loss of the reference
 * ACSConv experiments (`mylib/loss.py: soft_dice_loss`): p = softmax over C; for each class c that
 * occurs in the target anywhere in the batch, `1 − (2·Σ p_c·t_c + s) / (Σ p_c + Σ t_c + s)` with sums
 * over batch and space (t_c the one-hot target); classes absent from the batch's target are skipped;
 * the sum is divided by C (or by the number of present classes with `divideBy: 'presentClasses'`).
 * Returns a scalar; gradient w.r.t. the logits. PyTorch has no built-in equivalent.
 */
export function softDiceLoss(logits: Tensor, target: Tensor<'int32'>, opts: SoftDiceOptions = {}): Tensor {
  const op = 'softDiceLoss';
  const { smooth = 1, divideBy = 'allClasses' } = opts;
  if (!Number.isFinite(smooth) || smooth < 0) throw new ValueError(`${op}: smooth must be a finite number >= 0, got ${smooth}`);
  if (divideBy !== 'allClasses' && divideBy !== 'presentClasses') {
    throw new ValueError(`${op}: divideBy must be 'allClasses' or 'presentClasses', got ${JSON.stringify(divideBy)}`);
  }
  if (logits.ndim < 2) throw new ShapeError(`${op}: input must be [N, C, ...], got shape ${shapeStr(logits.shape)}`);
  const { n, c, s } = classLayout(logits, target, op, null);
  if (n * s === 0) throw new ShapeError(`${op}: input has no positions (shape ${shapeStr(logits.shape)})`);
  const x = logits.data;
  const t = target.data;
  // p = softmax over the classes (native, threaded); Σ p per class; Σ p and counts where the label is k.
  const p = allocF32Uninit(x.length);
  softmaxMiddle(false, x, p, n, c, s);
  const psum = channelSum(p, null, n, c, s);
  const inter = new Float64Array(c);
  const tsum = new Float64Array(c);
  for (let b = 0; b < n; b++) {
    const pb = b * c * s;
    const tb = b * s;
    for (let j = 0; j < s; j++) {
      const ti = t[tb + j];
      inter[ti] += p[pb + ti * s + j];
      tsum[ti] += 1;
    }
  }
  let present = 0;
  let loss = 0;
  for (let k = 0; k < c; k++) {
    if (tsum[k] > 0) {
      present++;
      loss += 1 - (2 * inter[k] + smooth) / (psum[k] + tsum[k] + smooth);
    }
  }
  const div = divideBy === 'allClasses' ? c : present;
  const out = f32([], Float32Array.of(loss / div));
  if (!needsGrad(logits)) return out;
  const shape = logits.shape;
  return record(out, 'SoftDiceLoss', [logits], (g) => {
    const scale = g.data[0] / div;
    // dL/dp_k(i) = b_k + a_k·[t(i) = k] for present k (0 otherwise), where with D the denominator and
    // N the numerator a_k = −2·scale/D_k and b_k = scale·N_k/D_k²; then back through the softmax (native).
    const a = new Float64Array(c);
    const bconst = new Float64Array(c);
    for (let k = 0; k < c; k++) {
      if (tsum[k] === 0) continue;
      const den = psum[k] + tsum[k] + smooth;
      const num = 2 * inter[k] + smooth;
      a[k] = (-scale * 2) / den;
      bconst[k] = (scale * num) / (den * den);
    }
    const gp = allocF32Uninit(x.length);
    for (let bi = 0; bi < n; bi++) {
      const pb = bi * c * s;
      for (let k = 0; k < c; k++) gp.fill(bconst[k], pb + k * s, pb + (k + 1) * s);
      const tb = bi * s;
      for (let j = 0; j < s; j++) {
        const ti = t[tb + j];
        gp[pb + ti * s + j] += a[ti];
      }
    }
    const gx = allocF32Uninit(x.length);
    softmaxMiddleBackward(false, p, gp, gx, n, c, s);
    return [f32(shape, gx)];
  });
}

export interface FocalLossOptions {
  /** Focusing parameter γ ≥ 0 (default 2; 0 gives cross-entropy). */
  gamma?: number;
  /** Per-class weights α [C] (default none: 1 for every class). */
  alpha?: readonly number[] | null;
  reduction?: Reduction;
}

/**
 * Multi-class (softmax) focal loss of logits [N, C, d1, …] against int32 labels [N, d1, …]:
 * per position `−α_t·(1 − p_t)^γ·log p_t` (Lin et al. 2017), p = softmax over C; 'mean' is the plain
 * mean over positions (not normalised by α). Gradient w.r.t. the logits. PyTorch has no built-in
 * (torchvision's `sigmoid_focal_loss` is the binary, sigmoid form).
 */
export function focalLoss(logits: Tensor, target: Tensor<'int32'>, opts: FocalLossOptions = {}): Tensor {
  const op = 'focalLoss';
  const { gamma = 2, alpha = null } = opts;
  const reduction = checkReduction(opts.reduction ?? 'mean', op);
  if (!Number.isFinite(gamma) || gamma < 0) throw new ValueError(`${op}: gamma must be a finite number >= 0, got ${gamma}`);
  const { n, c, s, posShape } = classLayout(logits, target, op, null);
  if (alpha && alpha.length !== c) {
    throw new ShapeError(`${op}: alpha must have one weight per class (${c}), got ${alpha.length}`);
  }
  const x = logits.data;
  const t = target.data;
  const m = n * s;
  const per = new Float64Array(m);
  const lpt = new Float64Array(m);
  const lp = new Float64Array(c);
  for (let b = 0; b < n; b++) {
    for (let j = 0; j < s; j++) {
      const i = b * s + j;
      logSoftmaxAt(x, b * c * s + j, c, s, lp);
      const l = (lpt[i] = lp[t[i]]);
      per[i] = -(alpha ? alpha[t[i]] : 1) * Math.pow(-Math.expm1(l), gamma) * l;
    }
  }
  const out = reduce(per, posShape, reduction, m);
  if (!needsGrad(logits)) return out;
  const shape = logits.shape;
  return record(out, 'FocalLoss', [logits], (g) => {
    const gi = gradAt(g, reduction, reduction === 'mean' ? 1 / m : 1);
    const gx = allocF32(x.length);
    const p = new Float64Array(c);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < s; j++) {
        const i = b * s + j;
        const base = b * c * s + j;
        const ti = t[i];
        const l = lpt[i];
        const pt = Math.exp(l);
        const q = -Math.expm1(l); // 1 − p_t without cancellation
        // dL/d(log p_t) = −α·[(1−p_t)^γ − γ·(1−p_t)^(γ−1)·p_t·log p_t]; the second term → 0 as p_t → 1.
        const second = gamma === 0 || q <= 0 ? 0 : gamma * Math.pow(q, gamma - 1) * pt * l;
        const dl = -(alpha ? alpha[ti] : 1) * (Math.pow(q, gamma) - second) * gi(i);
        logSoftmaxAt(x, base, c, s, p);
        // d(log p_t)/dz_k = δ_kt − p_k.
        for (let k = 0; k < c; k++) gx[base + k * s] = dl * ((k === ti ? 1 : 0) - Math.exp(p[k]));
      }
    }
    return [f32(shape, gx)];
  });
}

/**
 * Mean squared error `(a − b)²` of two float32 tensors of the same shape, as
 * `torch.nn.functional.mse_loss` (no broadcasting). Gradients w.r.t. both inputs.
 */
export function mseLoss(a: Tensor, b: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  const op = 'mseLoss';
  assertFloat(a, op, 'input');
  assertFloat(b, op, 'target');
  if (!sameShape(a.shape, b.shape)) {
    throw new ShapeError(`${op}: input ${shapeStr(a.shape)} and target ${shapeStr(b.shape)} must have the same shape`);
  }
  const reduction = checkReduction(opts.reduction ?? 'mean', op);
  const x = a.data;
  const y = b.data;
  const per = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) per[i] = (x[i] - y[i]) ** 2;
  const out = reduce(per, a.shape, reduction, x.length);
  if (!needsGrad(a, b)) return out;
  const shape = a.shape;
  const aNeeds = a.requiresGrad;
  const bNeeds = b.requiresGrad;
  return record(out, 'MSELoss', [a, b], (g) => {
    const gi = gradAt(g, reduction, reduction === 'mean' ? 2 / x.length : 2);
    const ga = allocF32(x.length);
    for (let i = 0; i < x.length; i++) ga[i] = gi(i) * (x[i] - y[i]);
    let gb: Float32Array | null = null;
    if (bNeeds) {
      gb = allocF32(x.length);
      for (let i = 0; i < x.length; i++) gb[i] = -ga[i];
    }
    return [aNeeds ? f32(shape, ga) : null, gb && f32(shape, gb)];
  });
}
