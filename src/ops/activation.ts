/**
 * Activations and softmax. Each is one tight loop forward and one backward, saving the output where
 * the derivative is a function of it (ReLU, sigmoid, tanh, softmax) and the input otherwise.
 */
import { record } from '../autograd/record.js';
import { unaryBackward, unaryForward } from '../backend/elementwise.js';
import { assertFloat, type DType, Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import { normAxis } from '../util/shape.js';

function check(x: Tensor, op: string): void {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: x must be a Tensor, got ${typeof x}`);
  assertFloat(x as Tensor<DType>, op, 'x');
}

function like(x: Tensor): Float32Array {
  return new Float32Array(x.size);
}

/** max(x, 0) (`torch.relu`), any shape; NaN stays NaN. */
export function relu(x: Tensor): Tensor {
  check(x, 'relu');
  const o = like(x);
  // Branch-free on the float bits: a data-dependent branch mispredicts on half of all activations
  // and costs ~3× here. Zero when the sign bit is set, unless the value is a (negative) NaN, whose
  // bits as int32 lie in [-8388607, -1].
  const si = new Int32Array(x.data.buffer, x.data.byteOffset, x.size);
  const oi = new Int32Array(o.buffer);
  for (let i = 0; i < oi.length; i++) {
    const v = si[i];
    oi[i] = v & ~((v >> 31) & ((v + 8388607) >> 31));
  }
  return record(new Tensor(o, x.shape, 'float32'), 'Relu', [x], (g) => {
    const d = new Float32Array(g.size);
    const gi = new Int32Array(g.data.buffer, g.data.byteOffset, g.size);
    const di = new Int32Array(d.buffer);
    // Gradient where the output is > 0: -bits is negative exactly for positive floats.
    for (let i = 0; i < di.length; i++) di[i] = gi[i] & (-oi[i] >> 31);
    return [new Tensor(d, g.shape, 'float32')];
  });
}

/** x if x > 0 else slope·x (`F.leaky_relu`, default slope 0.01). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  check(x, 'leakyRelu');
  const s = x.data;
  const o = like(x);
  const k = negativeSlope;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    o[i] = v > 0 ? v : v * k;
  }
  return record(new Tensor(o, x.shape, 'float32'), 'LeakyRelu', [x], (g) => {
    const gd = g.data;
    const d = new Float32Array(gd.length);
    for (let i = 0; i < d.length; i++) d[i] = s[i] > 0 ? gd[i] : gd[i] * k;
    return [new Tensor(d, g.shape, 'float32')];
  });
}

/** 1 / (1 + e^-x) (`torch.sigmoid`); native threaded kernel, saturates cleanly at ±large x. */
export function sigmoid(x: Tensor): Tensor {
  check(x, 'sigmoid');
  const s = x.data;
  const o = like(x);
  unaryForward('sigmoid', s, o);
  return record(new Tensor(o, x.shape, 'float32'), 'Sigmoid', [x], (g) => {
    const d = new Float32Array(g.size);
    unaryBackward('sigmoid', null, o, g.data, d);
    return [new Tensor(d, g.shape, 'float32')];
  });
}

/** Hyperbolic tangent (`torch.tanh`). */
export function tanh(x: Tensor): Tensor {
  check(x, 'tanh');
  const s = x.data;
  const o = like(x);
  unaryForward('tanh', s, o);
  return record(new Tensor(o, x.shape, 'float32'), 'Tanh', [x], (g) => {
    const d = new Float32Array(g.size);
    unaryBackward('tanh', null, o, g.data, d);
    return [new Tensor(d, g.shape, 'float32')];
  });
}

/** erfc with relative error below 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit): enough for float32. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU (`F.gelu`): x·Φ(x) with the exact normal CDF by default, or PyTorch's
 * `approximate='tanh'` form 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  check(x, 'gelu');
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ValueError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  }
  const s = x.data;
  const o = like(x);
  if (approximate === 'none') {
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      o[i] = 0.5 * v * erfc(-v * INV_SQRT2);
    }
  } else {
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      o[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
    }
  }
  return record(new Tensor(o, x.shape, 'float32'), 'Gelu', [x], (g) => {
    const gd = g.data;
    const d = new Float32Array(gd.length);
    if (approximate === 'none') {
      for (let i = 0; i < d.length; i++) {
        const v = s[i];
        d[i] = gd[i] * (0.5 * erfc(-v * INV_SQRT2) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
      }
    } else {
      for (let i = 0; i < d.length; i++) {
        const v = s[i];
        const th = Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v));
        const dinner = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
        d[i] = gd[i] * (0.5 * (1 + th) + 0.5 * v * (1 - th * th) * dinner);
      }
    }
    return [new Tensor(d, g.shape, 'float32')];
  });
}

/** x·relu6(x + 3)/6 (`F.hardswish`); gradient as PyTorch's (x/3 + 1/2 on [-3, 3]). */
export function hardswish(x: Tensor): Tensor {
  check(x, 'hardswish');
  const s = x.data;
  const o = like(x);
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    o[i] = v <= -3 ? 0 : v >= 3 ? v : (v * (v + 3)) / 6;
  }
  return record(new Tensor(o, x.shape, 'float32'), 'HardSwish', [x], (g) => {
    const gd = g.data;
    const d = new Float32Array(gd.length);
    for (let i = 0; i < d.length; i++) {
      const v = s[i];
      d[i] = v < -3 ? 0 : v <= 3 ? gd[i] * (v / 3 + 0.5) : gd[i];
    }
    return [new Tensor(d, g.shape, 'float32')];
  });
}

/** relu6(x + 3)/6 (`F.hardsigmoid`); gradient 1/6 strictly inside (-3, 3), as PyTorch's. */
export function hardsigmoid(x: Tensor): Tensor {
  check(x, 'hardsigmoid');
  const s = x.data;
  const o = like(x);
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    o[i] = v <= -3 ? 0 : v >= 3 ? 1 : v / 6 + 0.5;
  }
  return record(new Tensor(o, x.shape, 'float32'), 'HardSigmoid', [x], (g) => {
    const gd = g.data;
    const d = new Float32Array(gd.length);
    for (let i = 0; i < d.length; i++) {
      const v = s[i];
      d[i] = v > -3 && v < 3 ? gd[i] / 6 : 0;
    }
    return [new Tensor(d, g.shape, 'float32')];
  });
}

/** x·σ(x) (`F.silu`, a.k.a. swish). */
export function silu(x: Tensor): Tensor {
  check(x, 'silu');
  const s = x.data;
  const o = like(x);
  unaryForward('silu', s, o);
  return record(new Tensor(o, x.shape, 'float32'), 'Silu', [x], (g) => {
    const d = new Float32Array(g.size);
    unaryBackward('silu', s, null, g.data, d);
    return [new Tensor(d, g.shape, 'float32')];
  });
}

/** [outer, n, inner] view of a tensor around one axis. */
function around(shape: readonly number[], dim: number, op: string): [number, number, number, number] {
  if (!Number.isInteger(dim)) throw new ValueError(`${op}: dim must be an integer, got ${dim}`);
  const d = normAxis(dim, Math.max(shape.length, 1), op);
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < d; i++) outer *= shape[i];
  for (let i = d + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape.length === 0 ? 1 : shape[d], inner, d];
}

/**
 * Writes softmax (or log-softmax) of `x` along the middle axis of [outer, n, inner] into `o`.
 * Subtracting the maximum first keeps exp from overflowing.
 */
function softmaxKernel(x: Float32Array, o: Float32Array, outer: number, n: number, inner: number, logOut: boolean): void {
  if (inner === 1) {
    for (let r = 0; r < outer; r++) {
      const b = r * n;
      let m = -Infinity;
      for (let i = 0; i < n; i++) if (x[b + i] > m) m = x[b + i];
      if (m === -Infinity) m = 0;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const e = Math.exp(x[b + i] - m);
        o[b + i] = e;
        sum += e;
      }
      if (logOut) {
        const ls = m + Math.log(sum);
        for (let i = 0; i < n; i++) o[b + i] = x[b + i] - ls;
      } else {
        const inv = 1 / sum;
        for (let i = 0; i < n; i++) o[b + i] *= inv;
      }
    }
    return;
  }
  // Channel-like axis (e.g. dim 1 of [N, C, D, H, W]): sweep whole inner rows for cache locality.
  const mx = new Float32Array(inner);
  const sm = new Float64Array(inner);
  for (let r = 0; r < outer; r++) {
    const base = r * n * inner;
    mx.fill(-Infinity);
    sm.fill(0);
    for (let i = 0; i < n; i++) {
      const b = base + i * inner;
      for (let j = 0; j < inner; j++) if (x[b + j] > mx[j]) mx[j] = x[b + j];
    }
    for (let j = 0; j < inner; j++) if (mx[j] === -Infinity) mx[j] = 0;
    for (let i = 0; i < n; i++) {
      const b = base + i * inner;
      for (let j = 0; j < inner; j++) {
        const e = Math.exp(x[b + j] - mx[j]);
        o[b + j] = e;
        sm[j] += e;
      }
    }
    if (logOut) {
      for (let j = 0; j < inner; j++) sm[j] = mx[j] + Math.log(sm[j]);
      for (let i = 0; i < n; i++) {
        const b = base + i * inner;
        for (let j = 0; j < inner; j++) o[b + j] = x[b + j] - sm[j];
      }
    } else {
      for (let j = 0; j < inner; j++) sm[j] = 1 / sm[j];
      for (let i = 0; i < n; i++) {
        const b = base + i * inner;
        for (let j = 0; j < inner; j++) o[b + j] *= sm[j];
      }
    }
  }
}

/** Sums `a` (times `b` when given) along the middle axis of [outer, n, inner] into [outer, inner]. */
function sumAlong(a: Float32Array, b: Float32Array | null, outer: number, n: number, inner: number): Float64Array {
  const s = new Float64Array(outer * inner);
  for (let r = 0; r < outer; r++) {
    const base = r * n * inner;
    const sb = r * inner;
    for (let i = 0; i < n; i++) {
      const off = base + i * inner;
      if (b) for (let j = 0; j < inner; j++) s[sb + j] += a[off + j] * b[off + j];
      else for (let j = 0; j < inner; j++) s[sb + j] += a[off + j];
    }
  }
  return s;
}

/** Softmax along `dim` (`F.softmax(x, dim)`), numerically stable. */
export function softmax(x: Tensor, dim: number): Tensor {
  check(x, 'softmax');
  const [outer, n, inner] = around(x.shape, dim, 'softmax');
  const y = like(x);
  softmaxKernel(x.data, y, outer, n, inner, false);
  return record(new Tensor(y, x.shape, 'float32'), 'Softmax', [x], (g) => {
    // dx = y ⊙ (g − Σ g⊙y)
    const gd = g.data;
    const s = sumAlong(gd, y, outer, n, inner);
    const d = new Float32Array(gd.length);
    for (let r = 0; r < outer; r++) {
      for (let i = 0; i < n; i++) {
        const off = (r * n + i) * inner;
        const sb = r * inner;
        for (let j = 0; j < inner; j++) d[off + j] = y[off + j] * (gd[off + j] - s[sb + j]);
      }
    }
    return [new Tensor(d, g.shape, 'float32')];
  });
}

/** log(softmax(x)) along `dim` (`F.log_softmax(x, dim)`), computed as x − max − log Σ exp(x − max). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  check(x, 'logSoftmax');
  const [outer, n, inner] = around(x.shape, dim, 'logSoftmax');
  const y = like(x);
  softmaxKernel(x.data, y, outer, n, inner, true);
  return record(new Tensor(y, x.shape, 'float32'), 'LogSoftmax', [x], (g) => {
    // dx = g − exp(y) Σ g
    const gd = g.data;
    const s = sumAlong(gd, null, outer, n, inner);
    const d = new Float32Array(gd.length);
    for (let r = 0; r < outer; r++) {
      for (let i = 0; i < n; i++) {
        const off = (r * n + i) * inner;
        const sb = r * inner;
        for (let j = 0; j < inner; j++) d[off + j] = gd[off + j] - Math.exp(y[off + j]) * s[sb + j];
      }
    }
    return [new Tensor(d, g.shape, 'float32')];
  });
}
