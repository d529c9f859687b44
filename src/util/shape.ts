import { ShapeError, ValueError } from './errors.js';

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Row-major strides of a contiguous tensor of this shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= shape[i];
  }
  return st;
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Normalises a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for a rank-${rank} tensor`);
  }
  return a;
}

/** Expands an int or a tuple option to n entries, checking integrality and the lower bound. */
export function tuple(
  v: number | readonly number[],
  n: number,
  op: string,
  name: string,
  min = 0,
): number[] {
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (arr.length !== n) {
    throw new ValueError(`${op}: ${name} must be an int or ${n} ints, got [${arr.join(', ')}]`);
  }
  for (const x of arr) {
    if (!Number.isInteger(x) || x < min) {
      throw new ValueError(
        `${op}: ${name} must be ${min === 1 ? 'positive' : min === 0 ? 'non-negative' : `>= ${min}`} integers, got ${typeof v === 'number' ? v : `[${arr.join(', ')}]`}`,
      );
    }
  }
  return arr;
}

/** PyTorch broadcasting of two shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new ShapeError(`${op}: shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast together`);
    }
    out[i] = x === 1 ? y : x;
  }
  return out;
}
