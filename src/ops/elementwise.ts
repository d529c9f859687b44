/**
 * Elementwise arithmetic with PyTorch broadcasting. Operands are tensors or JS numbers; every op has a
 * tight loop per operand layout (same shape, scalar on either side, general broadcast via runs) and its
 * backward undoes broadcasting in one place, `sumToShape`.
 */
import { allocF32, allocF32Uninit } from '../backend/alloc.js';
import { record } from '../autograd/record.js';
import { assertFloat, type DType, Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import { broadcastShapes, numel, sameShape } from '../util/shape.js';
import { type BinaryOpName, binaryOp, channelSum } from '../backend/elementwise.js';
import { broadcastStrides, channelLayout, forEachRun, sumToShape } from './strided.js';

/** A tensor or a plain number (broadcast like a 0-d tensor). */
export type Operand = Tensor | number;

// One inner-run kernel per op: `a`, `b` read at offsets ao/bo with strides sa/sb (0 = broadcast).
type Run = (a: Float32Array, ao: number, sa: number, b: Float32Array, bo: number, sb: number, o: Float32Array, oo: number, n: number) => void;

const addRun: Run = (a, ao, sa, b, bo, sb, o, oo, n) => {
  if (sa === 1 && sb === 1) for (let i = 0; i < n; i++) o[oo + i] = a[ao + i] + b[bo + i];
  else if (sb === 0) {
    const v = b[bo];
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa] + v;
  } else if (sa === 0) {
    const v = a[ao];
    for (let i = 0; i < n; i++) o[oo + i] = v + b[bo + i * sb];
  } else for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa] + b[bo + i * sb];
};

const subRun: Run = (a, ao, sa, b, bo, sb, o, oo, n) => {
  if (sa === 1 && sb === 1) for (let i = 0; i < n; i++) o[oo + i] = a[ao + i] - b[bo + i];
  else if (sb === 0) {
    const v = b[bo];
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa] - v;
  } else if (sa === 0) {
    const v = a[ao];
    for (let i = 0; i < n; i++) o[oo + i] = v - b[bo + i * sb];
  } else for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa] - b[bo + i * sb];
};

const mulRun: Run = (a, ao, sa, b, bo, sb, o, oo, n) => {
  if (sa === 1 && sb === 1) for (let i = 0; i < n; i++) o[oo + i] = a[ao + i] * b[bo + i];
  else if (sb === 0) {
    const v = b[bo];
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa] * v;
  } else if (sa === 0) {
    const v = a[ao];
    for (let i = 0; i < n; i++) o[oo + i] = v * b[bo + i * sb];
  } else for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa] * b[bo + i * sb];
};

const divRun: Run = (a, ao, sa, b, bo, sb, o, oo, n) => {
  if (sa === 1 && sb === 1) for (let i = 0; i < n; i++) o[oo + i] = a[ao + i] / b[bo + i];
  else if (sb === 0) {
    const v = b[bo];
    for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa] / v;
  } else if (sa === 0) {
    const v = a[ao];
    for (let i = 0; i < n; i++) o[oo + i] = v / b[bo + i * sb];
  } else for (let i = 0; i < n; i++) o[oo + i] = a[ao + i * sa] / b[bo + i * sb];
};

function asTensor(v: Operand, op: string, name: string): Tensor {
  if (typeof v === 'number') return new Tensor(Float32Array.of(v), [], 'float32');
  if (!(v instanceof Tensor)) throw new ValueError(`${op}: ${name} must be a Tensor or a number, got ${typeof v}`);
  assertFloat(v as Tensor<DType>, op, name);
  return v;
}

function bothNumbers(a: Operand, b: Operand, op: string): void {
  if (typeof a === 'number' && typeof b === 'number') throw new ValueError(`${op}: at least one operand must be a Tensor, got two numbers`);
}

const NAME = new Map<Run, BinaryOpName>();

/**
 * Runs a binary kernel over broadcast operands; no graph. Same shape, a scalar on either side and a
 * per-channel operand ([1, C, 1, ...] or [C, 1, ...] against [N, C, ...]) run natively; other
 * broadcasts go through the TS run kernels.
 */
function binaryRaw(run: Run, a: Tensor, b: Tensor, op: string): Tensor {
  const ad = a.data;
  const bd = b.data;
  const name = NAME.get(run)!;
  if (sameShape(a.shape, b.shape)) {
    const out = allocF32Uninit(ad.length); // written entirely by the kernel
    binaryOp(name, 'same', ad, bd, out);
    return new Tensor(out, a.shape, 'float32');
  }
  const shape = broadcastShapes(a.shape, b.shape, op);
  const out = allocF32(numel(shape));
  if (bd.length === 1 && sameShape(shape, a.shape)) {
    binaryOp(name, 'scalarB', ad, bd, out);
  } else if (ad.length === 1 && sameShape(shape, b.shape)) {
    binaryOp(name, 'scalarA', ad, bd, out);
  } else {
    const chB = sameShape(shape, a.shape) ? channelLayout(b.shape, shape) : null;
    const chA = !chB && sameShape(shape, b.shape) ? channelLayout(a.shape, shape) : null;
    if (chB) binaryOp(name, 'chanB', ad, bd, out, chB.C, chB.inner);
    else if (chA) binaryOp(name, 'chanA', ad, bd, out, chA.C, chA.inner);
    else {
      const stA = broadcastStrides(a.shape, shape.length);
      const stB = broadcastStrides(b.shape, shape.length);
      forEachRun(shape, stA, stB, (o, ao, bo, n, sa, sb) => run(ad, ao, sa, bd, bo, sb, out, o, n));
    }
  }
  return new Tensor(out, shape, 'float32');
}

NAME.set(addRun, 'add').set(subRun, 'sub').set(mulRun, 'mul').set(divRun, 'div');

/** sum_to_shape(g ⊙ other) for the gradient of a product operand of shape `shape`; fused when per-channel. */
function mulGrad(g: Tensor, other: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(other.shape, g.shape)) {
    const lay = numel(shape) === 1 ? { outer: 1, C: 1, inner: g.size } : channelLayout(shape, g.shape);
    if (lay) return new Tensor(channelSum(g.data, other.data, lay.outer, lay.C, lay.inner), shape, 'float32');
  }
  return sumToShape(binaryRaw(mulRun, g, other, 'mul'), shape, 'mul');
}

/** `a + b` with broadcasting (`torch.add`). */
export function add(a: Operand, b: Operand): Tensor {
  bothNumbers(a, b, 'add');
  const ta = asTensor(a, 'add', 'a');
  const tb = asTensor(b, 'add', 'b');
  const out = binaryRaw(addRun, ta, tb, 'add');
  const sa = ta.shape;
  const sb = tb.shape;
  return record(out, 'Add', [ta, tb], (g) => [
    ta.requiresGrad ? sumToShape(g, sa, 'add') : null,
    tb.requiresGrad ? sumToShape(g, sb, 'add') : null,
  ]);
}

/** `a - b` with broadcasting (`torch.sub`). */
export function sub(a: Operand, b: Operand): Tensor {
  bothNumbers(a, b, 'sub');
  const ta = asTensor(a, 'sub', 'a');
  const tb = asTensor(b, 'sub', 'b');
  const out = binaryRaw(subRun, ta, tb, 'sub');
  const sa = ta.shape;
  const sb = tb.shape;
  return record(out, 'Sub', [ta, tb], (g) => [
    ta.requiresGrad ? sumToShape(g, sa, 'sub') : null,
    tb.requiresGrad ? sumToShape(scaleRaw(g, -1), sb, 'sub') : null,
  ]);
}

/** `a * b` with broadcasting (`torch.mul`). */
export function mul(a: Operand, b: Operand): Tensor {
  bothNumbers(a, b, 'mul');
  const ta = asTensor(a, 'mul', 'a');
  const tb = asTensor(b, 'mul', 'b');
  const out = binaryRaw(mulRun, ta, tb, 'mul');
  return record(out, 'Mul', [ta, tb], (g) => [
    ta.requiresGrad ? mulGrad(g, tb, ta.shape) : null,
    tb.requiresGrad ? mulGrad(g, ta, tb.shape) : null,
  ]);
}

/** `a / b` with broadcasting (`torch.div`, true division). */
export function div(a: Operand, b: Operand): Tensor {
  bothNumbers(a, b, 'div');
  const ta = asTensor(a, 'div', 'a');
  const tb = asTensor(b, 'div', 'b');
  const out = binaryRaw(divRun, ta, tb, 'div');
  return record(out, 'Div', [ta, tb], (g) => {
    const gOverB = binaryRaw(divRun, g, tb, 'div');
    // d(a/b)/db = -(a/b)/b, so the b gradient reuses g/b and the output.
    return [
      ta.requiresGrad ? sumToShape(gOverB, ta.shape, 'div') : null,
      tb.requiresGrad ? sumToShape(scaleRaw(binaryRaw(mulRun, gOverB, out, 'div'), -1), tb.shape, 'div') : null,
    ];
  });
}

/** `g * s` without a graph (internal fast path). */
function scaleRaw(g: Tensor, s: number): Tensor {
  const o = allocF32Uninit(g.size);
  binaryOp('mul', 'scalarB', g.data, Float32Array.of(s), o);
  return new Tensor(o, g.shape, 'float32');
}

/** Applies a whole-array loop `f(src, dst)`; the loop lives in `f`, so there is no call per element. */
function mapRaw(x: Tensor, f: (src: Float32Array, dst: Float32Array) => void): Tensor {
  const o = allocF32(x.size);
  f(x.data, o);
  return new Tensor(o, x.shape, 'float32');
}

/** `g ∘ h(x, y)` elementwise over three same-size arrays (backward helper). */
function zipRaw(g: Tensor, a: Float32Array, f: (g: Float32Array, a: Float32Array, dst: Float32Array) => void): Tensor {
  const o = allocF32(g.size);
  f(g.data, a, o);
  return new Tensor(o, g.shape, 'float32');
}

function checkUnary(x: Tensor, op: string): void {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: x must be a Tensor, got ${typeof x}`);
  assertFloat(x as Tensor<DType>, op, 'x');
}

/** `-x` (`torch.neg`). */
export function neg(x: Tensor): Tensor {
  checkUnary(x, 'neg');
  return record(scaleRaw(x, -1), 'Neg', [x], (g) => [scaleRaw(g, -1)]);
}

/** `e^x` (`torch.exp`). */
export function exp(x: Tensor): Tensor {
  checkUnary(x, 'exp');
  const out = mapRaw(x, (s, d) => {
    for (let i = 0; i < s.length; i++) d[i] = Math.exp(s[i]);
  });
  const y = out.data;
  return record(out, 'Exp', [x], (g) => [
    zipRaw(g, y, (gd, yd, d) => {
      for (let i = 0; i < d.length; i++) d[i] = gd[i] * yd[i];
    }),
  ]);
}

/** Natural logarithm (`torch.log`): -Infinity at 0, NaN below. */
export function log(x: Tensor): Tensor {
  checkUnary(x, 'log');
  const out = mapRaw(x, (s, d) => {
    for (let i = 0; i < s.length; i++) d[i] = Math.log(s[i]);
  });
  const xd = x.data;
  return record(out, 'Log', [x], (g) => [
    zipRaw(g, xd, (gd, a, d) => {
      for (let i = 0; i < d.length; i++) d[i] = gd[i] / a[i];
    }),
  ]);
}

/** Square root (`torch.sqrt`). */
export function sqrt(x: Tensor): Tensor {
  checkUnary(x, 'sqrt');
  const out = mapRaw(x, (s, d) => {
    for (let i = 0; i < s.length; i++) d[i] = Math.sqrt(s[i]);
  });
  const y = out.data;
  return record(out, 'Sqrt', [x], (g) => [
    zipRaw(g, y, (gd, yd, d) => {
      for (let i = 0; i < d.length; i++) d[i] = (0.5 * gd[i]) / yd[i];
    }),
  ]);
}

/** `|x|` (`torch.abs`); the gradient at 0 is 0, as PyTorch's. */
export function abs(x: Tensor): Tensor {
  checkUnary(x, 'abs');
  const out = mapRaw(x, (s, d) => {
    for (let i = 0; i < s.length; i++) d[i] = Math.abs(s[i]);
  });
  const xd = x.data;
  return record(out, 'Abs', [x], (g) => [
    zipRaw(g, xd, (gd, a, d) => {
      for (let i = 0; i < d.length; i++) d[i] = a[i] > 0 ? gd[i] : a[i] < 0 ? -gd[i] : 0;
    }),
  ]);
}

/** `x ** p` for a number exponent (`torch.pow(x, p)`). */
export function pow(x: Tensor, p: number): Tensor {
  checkUnary(x, 'pow');
  if (typeof p !== 'number') throw new ValueError(`pow: exponent p must be a number, got ${typeof p}`);
  const out = mapRaw(x, (s, d) => {
    if (p === 2) for (let i = 0; i < s.length; i++) d[i] = s[i] * s[i];
    else if (p === 1) d.set(s);
    else if (p === 0.5) for (let i = 0; i < s.length; i++) d[i] = Math.sqrt(s[i]);
    else for (let i = 0; i < s.length; i++) d[i] = Math.pow(s[i], p);
  });
  const xd = x.data;
  return record(out, 'Pow', [x], (g) => [
    zipRaw(g, xd, (gd, a, d) => {
      if (p === 0) d.fill(0);
      else if (p === 2) for (let i = 0; i < d.length; i++) d[i] = 2 * a[i] * gd[i];
      else if (p === 1) d.set(gd);
      else for (let i = 0; i < d.length; i++) d[i] = p * Math.pow(a[i], p - 1) * gd[i];
    }),
  ]);
}

/**
 * Clamps into [min, max] (`torch.clamp`); either bound may be omitted. The gradient passes where
 * min <= x <= max, as PyTorch's.
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  checkUnary(x, 'clamp');
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  if (min == null && max == null) throw new ValueError('clamp: at least one of min and max must be given');
  if (Number.isNaN(lo) || Number.isNaN(hi)) throw new ValueError(`clamp: min and max must not be NaN, got ${min}, ${max}`);
  const out = mapRaw(x, (s, d) => {
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      // When min > max PyTorch returns max everywhere; applying max last reproduces that.
      d[i] = v < lo ? (lo > hi ? hi : lo) : v > hi ? hi : v;
    }
  });
  const xd = x.data;
  return record(out, 'Clamp', [x], (g) => [
    zipRaw(g, xd, (gd, a, d) => {
      for (let i = 0; i < d.length; i++) d[i] = a[i] >= lo && a[i] <= hi ? gd[i] : 0;
    }),
  ]);
}
