/**
 * Activations and softmax. Each is one tight loop forward and one backward, saving the output where
 * the derivative is a function of it (ReLU, sigmoid, tanh, softmax) and the input otherwise.
 */
import { allocF32, allocF32Uninit } from '../backend/alloc.js';
import { record } from '../autograd/record.js';
import { type NativeUnary, softmaxMiddle, softmaxMiddleBackward, unaryBackward, unaryForward } from '../backend/elementwise.js';
import { assertFloat, type DType, Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import { normAxis } from '../util/shape.js';

function check(x: Tensor, op: string): void {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: x must be a Tensor, got ${typeof x}`);
  assertFloat(x as Tensor<DType>, op, 'x');
}

/** An output the native unary kernels write entirely (not cleared first). */
function like(x: Tensor): Float32Array {
  return allocF32Uninit(x.size);
}

/** Native unary op with its backward; `fromOutput` saves y for the derivative, else x. */
function nativeUnary(x: Tensor, op: NativeUnary, name: string, p = 0): Tensor {
  const s = x.data;
  const o = like(x);
  unaryForward(op, s, o, p);
  const fromOutput = op === 'relu' || op === 'sigmoid' || op === 'tanh';
  return record(new Tensor(o, x.shape, 'float32'), name, [x], (g) => {
    const d = allocF32Uninit(g.size);
    unaryBackward(op, fromOutput ? null : s, fromOutput ? o : null, g.data, d, p);
    return [new Tensor(d, g.shape, 'float32')];
  });
}

/** max(x, 0) (`torch.relu`), any shape; NaN stays NaN (its gradient is 0, as PyTorch's). */
export function relu(x: Tensor): Tensor {
  check(x, 'relu');
  // The mask comes from the output, so backward keeps no reference to the input.
  return nativeUnary(x, 'relu', 'Relu');
}

/** x if x > 0 else slope·x (`F.leaky_relu`, default slope 0.01). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  check(x, 'leakyRelu');
  if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
    throw new ValueError(`leakyRelu: negativeSlope must be a finite number, got ${negativeSlope}`);
  }
  return nativeUnary(x, 'leakyRelu', 'LeakyRelu', negativeSlope);
}

/** 1 / (1 + e^-x) (`torch.sigmoid`); native threaded kernel, saturates cleanly at ±large x. */
export function sigmoid(x: Tensor): Tensor {
  check(x, 'sigmoid');
  const s = x.data;
  const o = like(x);
  unaryForward('sigmoid', s, o);
  return record(new Tensor(o, x.shape, 'float32'), 'Sigmoid', [x], (g) => {
    const d = allocF32(g.size);
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
    const d = allocF32(g.size);
    unaryBackward('tanh', null, o, g.data, d);
    return [new Tensor(d, g.shape, 'float32')];
  });
}

/**
 * GELU (`F.gelu`): x·Φ(x) with the exact normal CDF by default, or PyTorch's
 * `approximate='tanh'` form 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  check(x, 'gelu');
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ValueError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  }
  return nativeUnary(x, approximate === 'none' ? 'gelu' : 'geluTanh', 'Gelu');
}

/** x·relu6(x + 3)/6 (`F.hardswish`); gradient as PyTorch's (x/3 + 1/2 on [-3, 3]). */
export function hardswish(x: Tensor): Tensor {
  check(x, 'hardswish');
  return nativeUnary(x, 'hardswish', 'HardSwish');
}

/** relu6(x + 3)/6 (`F.hardsigmoid`); gradient 1/6 strictly inside (-3, 3), as PyTorch's. */
export function hardsigmoid(x: Tensor): Tensor {
  check(x, 'hardsigmoid');
  return nativeUnary(x, 'hardsigmoid', 'HardSigmoid');
}

/** x·σ(x) (`F.silu`, a.k.a. swish). */
export function silu(x: Tensor): Tensor {
  check(x, 'silu');
  const s = x.data;
  const o = like(x);
  unaryForward('silu', s, o);
  return record(new Tensor(o, x.shape, 'float32'), 'Silu', [x], (g) => {
    const d = allocF32(g.size);
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
 * Writes softmax (or log-softmax) of `x` along the last axis of [outer, n] into `o` (a channel-like axis
 * goes to the native kernel instead). Subtracting the maximum first keeps exp from overflowing.
 */
function softmaxRows(x: Float32Array, o: Float32Array, outer: number, n: number, logOut: boolean): void {
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
  // Native for a channel-like axis (dim 1 of [N, C, D, H, W]); rows along the last axis stay in TS.
  if (inner > 1) {
    softmaxMiddle(false, x.data, y, outer, n, inner);
    return record(new Tensor(y, x.shape, 'float32'), 'Softmax', [x], (g) => {
      const d = allocF32(g.size);
      softmaxMiddleBackward(false, y, g.data, d, outer, n, inner);
      return [new Tensor(d, g.shape, 'float32')];
    });
  }
  softmaxRows(x.data, y, outer, n, false);
  return record(new Tensor(y, x.shape, 'float32'), 'Softmax', [x], (g) => {
    // dx = y ⊙ (g − Σ g⊙y)
    const gd = g.data;
    const s = sumAlong(gd, y, outer, n, inner);
    const d = allocF32(gd.length);
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
  if (inner > 1) {
    softmaxMiddle(true, x.data, y, outer, n, inner);
    return record(new Tensor(y, x.shape, 'float32'), 'LogSoftmax', [x], (g) => {
      const d = allocF32(g.size);
      softmaxMiddleBackward(true, y, g.data, d, outer, n, inner);
      return [new Tensor(d, g.shape, 'float32')];
    });
  }
  softmaxRows(x.data, y, outer, n, true);
  return record(new Tensor(y, x.shape, 'float32'), 'LogSoftmax', [x], (g) => {
    // dx = g − exp(y) Σ g
    const gd = g.data;
    const s = sumAlong(gd, null, outer, n, inner);
    const d = allocF32(gd.length);
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
