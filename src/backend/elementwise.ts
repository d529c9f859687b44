/**
 * Checked wrappers over the native elementwise kernels (threaded, vectorised, ISA picked at run time).
 * Native code trusts its arguments, so every length and layout is validated here.
 */
import { allocF32 } from './alloc.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { native } from './binding.js';

/** Unary ops with a native kernel. `geluTanh` is GELU's tanh approximation. */
export type NativeUnary = 'exp' | 'sigmoid' | 'tanh' | 'silu' | 'gelu' | 'relu' | 'leakyRelu' | 'hardswish' | 'hardsigmoid' | 'geluTanh';

const KIND: Record<NativeUnary, number> = {
  exp: 0,
  sigmoid: 1,
  tanh: 2,
  silu: 3,
  gelu: 4,
  relu: 5,
  leakyRelu: 6,
  hardswish: 7,
  hardsigmoid: 8,
  geluTanh: 9,
};

/** Ops whose derivative is computed from the forward output (the others read the input). */
const FROM_OUTPUT = new Set<NativeUnary>(['exp', 'sigmoid', 'tanh']);

/** y = f(x) elementwise; `y` must be as long as `x`. `p` is the leaky-ReLU slope. */
export function unaryForward(op: NativeUnary, x: Float32Array, y: Float32Array, p = 0): void {
  if (y.length !== x.length) throw new ShapeError(`unaryForward(${op}): output has ${y.length} elements, input ${x.length}`);
  native.unaryForward(KIND[op], x, y, x.length, p);
}

/**
 * d = g · f'(x) elementwise. exp, sigmoid and tanh read the forward output `y`; relu reads whichever
 * of `x` / `y` is given (both are > 0 at the same places); the others read the input `x`.
 */
export function unaryBackward(op: NativeUnary, x: Float32Array | null, y: Float32Array | null, g: Float32Array, d: Float32Array, p = 0): void {
  const n = g.length;
  const needX = !FROM_OUTPUT.has(op) && !(op === 'relu' && !x);
  const src = needX ? x : y;
  if (!src) throw new ShapeError(`unaryBackward(${op}): needs the forward ${needX ? 'input x' : 'output y'}`);
  if (src.length !== n || d.length !== n) {
    throw new ShapeError(`unaryBackward(${op}): lengths differ (g ${n}, ${needX ? 'x' : 'y'} ${src.length}, d ${d.length})`);
  }
  native.unaryBackward(KIND[op], needX ? src : null, needX ? null : src, g, d, n, p);
}

export type BinaryOpName = 'add' | 'sub' | 'mul' | 'div';
const OP: Record<BinaryOpName, number> = { add: 0, sub: 1, mul: 2, div: 3 };

/**
 * Operand layouts of `binaryOp`: both full (`same`), one a single value (`scalarA`/`scalarB`), or
 * one a per-channel vector [C] against the other viewed as [outer, C, inner] (`chanA`/`chanB`).
 */
export type BinaryMode = 'same' | 'scalarB' | 'scalarA' | 'chanB' | 'chanA';
const MODE: Record<BinaryMode, number> = { same: 0, scalarB: 1, scalarA: 2, chanB: 3, chanA: 4 };

/** out = a op b for the layout `mode`; `C`, `inner` describe the full operand for the channel modes. */
export function binaryOp(op: BinaryOpName, mode: BinaryMode, a: Float32Array, b: Float32Array, out: Float32Array, C = 1, inner = 1): void {
  const n = out.length;
  const full = mode === 'scalarA' || mode === 'chanA' ? b : a;
  const small = full === a ? b : a;
  if (full.length !== n) throw new ShapeError(`binaryOp(${op}, ${mode}): full operand has ${full.length} elements, output ${n}`);
  const want = mode === 'same' ? n : mode === 'scalarA' || mode === 'scalarB' ? 1 : C;
  if (small.length !== want) throw new ShapeError(`binaryOp(${op}, ${mode}): other operand has ${small.length} elements, expected ${want}`);
  if (mode === 'chanA' || mode === 'chanB') {
    if (!Number.isInteger(C) || !Number.isInteger(inner) || C < 1 || inner < 1 || n % (C * inner) !== 0) {
      throw new ShapeError(`binaryOp(${op}, ${mode}): ${n} elements do not form [outer, ${C}, ${inner}]`);
    }
  }
  if (n === 0) return;
  native.binaryOp(OP[op], MODE[mode], a, b, out, n, C, inner);
}

/** dst += src elementwise (threaded); the two must have the same length. */
export function addInPlace(dst: Float32Array, src: Float32Array): void {
  if (dst.length !== src.length) throw new ShapeError(`addInPlace: lengths differ (dst ${dst.length}, src ${src.length})`);
  if (dst.length) native.addInPlace(dst, src, dst.length);
}

/** y[o, c, i] += b[c] for y viewed as [outer, C, inner] (a bias), in place. */
export function addChannelInPlace(y: Float32Array, b: Float32Array, outer: number, C: number, inner: number): void {
  if (![outer, C, inner].every((v) => Number.isInteger(v) && v >= 0) || outer * C * inner !== y.length || b.length !== C) {
    throw new ShapeError(`addChannelInPlace: y (${y.length}) and b (${b.length}) do not form [${outer}, ${C}, ${inner}] and [${C}]`);
  }
  if (y.length) native.addChannelInPlace(y, b, outer, C, inner);
}

/** Σ over outer and inner of x (· y when given) for x viewed as [outer, C, inner]: [C], float64 accumulation. */
export function channelSum(x: Float32Array, y: Float32Array | null, outer: number, C: number, inner: number): Float32Array {
  if (outer * C * inner !== x.length) throw new ShapeError(`channelSum: ${x.length} elements do not form [${outer}, ${C}, ${inner}]`);
  if (y && y.length !== x.length) throw new ShapeError(`channelSum: y has ${y.length} elements, x ${x.length}`);
  const out = allocF32(C);
  if (x.length > 0) native.chanSum(x, y, outer, C, inner, out);
  return out;
}

function checkMiddle(op: string, len: number, outer: number, n: number, inner: number): void {
  if (![outer, n, inner].every((v) => Number.isInteger(v) && v >= 0) || outer * n * inner !== len) {
    throw new ShapeError(`${op}: ${len} elements do not form [${outer}, ${n}, ${inner}]`);
  }
}

/** Softmax (or log-softmax) of x along the middle axis of [outer, n, inner] into y. */
export function softmaxMiddle(log: boolean, x: Float32Array, y: Float32Array, outer: number, n: number, inner: number): void {
  checkMiddle('softmax', x.length, outer, n, inner);
  if (y.length !== x.length) throw new ShapeError(`softmax: output has ${y.length} elements, input ${x.length}`);
  if (x.length > 0) native.softmaxForward(log, x, y, outer, n, inner);
}

/** Softmax (or log-softmax) backward from the forward output y and upstream gradient g into d. */
export function softmaxMiddleBackward(log: boolean, y: Float32Array, g: Float32Array, d: Float32Array, outer: number, n: number, inner: number): void {
  checkMiddle('softmax backward', y.length, outer, n, inner);
  if (g.length !== y.length || d.length !== y.length) throw new ShapeError(`softmax backward: lengths differ (y ${y.length}, g ${g.length}, d ${d.length})`);
  if (y.length > 0) native.softmaxBackward(log, y, g, d, outer, n, inner);
}

/** Index of the maximum along the middle axis of [outer, n, inner] (n ≥ 1) into out [outer, inner]. */
export function argmaxMiddle(x: Float32Array, out: Int32Array, outer: number, n: number, inner: number): void {
  checkMiddle('argmax', x.length, outer, n, inner);
  if (n < 1 || n > 2147483647) throw new ShapeError(`argmax: reduced dim must have 1 to 2^31-1 entries, got ${n}`);
  if (out.length !== outer * inner) throw new ShapeError(`argmax: output has ${out.length} elements, expected ${outer * inner}`);
  if (out.length > 0) native.argmaxMiddle(x, out, outer, n, inner);
}

/**
 * y[i] = x[i]·scale where hash(key, i) ≥ threshold, else 0: a counter-based mask, so backward
 * regenerates it from the same key instead of storing it. key and threshold are uint32s.
 */
export function dropoutApply(x: Float32Array, y: Float32Array, key: readonly [number, number], threshold: number, scale: number): void {
  if (y.length !== x.length) throw new ShapeError(`dropout: output has ${y.length} elements, input ${x.length}`);
  for (const v of [key[0], key[1], threshold]) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new ValueError(`dropout: key and threshold must be uint32, got ${v}`);
  }
  if (x.length > 0) native.dropoutApply(x, y, x.length, key[0], key[1], threshold, scale);
}

/** Instruction-set variant the elementwise kernels use: 'avx512', 'avx2' or 'generic'. */
export function elementwiseKernel(): string {
  return native.ewKernel();
}

/** Forces an elementwise kernel variant ('avx512' | 'avx2' | 'generic' | 'best'); false when this CPU lacks it. */
export function setElementwiseKernel(name: 'avx512' | 'avx2' | 'generic' | 'best'): boolean {
  if (!['avx512', 'avx2', 'generic', 'best'].includes(name)) throw new ValueError(`setElementwiseKernel: unknown kernel '${String(name)}'`);
  return native.ewSetKernel(name);
}
