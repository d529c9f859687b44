/**
 * Checked wrappers of the native pooling kernels (native/src/pool.cc). Tensors are seen as
 * [NC, D, H, W] planes; 2D pooling passes D = 1. `geom` is [NC, D, H, W, oD, oH, oW].
 */
import { allocF32, allocF32Uninit } from './alloc.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { native } from './binding.js';

export type PoolGeom = readonly [number, number, number, number, number, number, number];

function checkGeom(op: string, geom: PoolGeom): { inN: number; outN: number } {
  if (geom.length !== 7 || geom.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new ValueError(`${op}: geometry must be 7 non-negative integers, got [${geom.join(', ')}]`);
  }
  const [nc, d, h, w, od, oh, ow] = geom;
  return { inN: nc * d * h * w, outN: nc * od * oh * ow };
}

function checkLen(op: string, name: string, a: ArrayLike<number>, n: number): void {
  if (a.length !== n) throw new ShapeError(`${op}: ${name} has ${a.length} elements, expected ${n}`);
}

function checkTriple(op: string, name: string, v: readonly number[], min: number): number[] {
  if (v.length !== 3 || v.some((x) => !Number.isInteger(x) || x < min)) {
    throw new ValueError(`${op}: ${name} must be 3 integers >= ${min}, got [${v.join(', ')}]`);
  }
  return [...v];
}

/** Max pooling; returns the values and the argmax (flat index within each input plane). */
export function maxPool3dForward(
  x: Float32Array,
  geom: PoolGeom,
  k: readonly number[],
  s: readonly number[],
  p: readonly number[],
  d: readonly number[],
): { out: Float32Array; idx: Int32Array } {
  const op = 'maxPool3dForward';
  const { inN, outN } = checkGeom(op, geom);
  checkLen(op, 'x', x, inN);
  const out = allocF32Uninit(outN); // every output written
  const idx = new Int32Array(outN);
  native.maxPool3dForward(x, [...geom], checkTriple(op, 'kernel', k, 1), checkTriple(op, 'stride', s, 1), checkTriple(op, 'padding', p, 0), checkTriple(op, 'dilation', d, 1), out, idx);
  return { out, idx };
}

/** Gradient of max / adaptive max pooling: scatters `gy` to the saved argmax positions. */
export function indexPoolBackward(gy: Float32Array, idx: Int32Array, geom: PoolGeom): Float32Array {
  const op = 'indexPoolBackward';
  const { inN, outN } = checkGeom(op, geom);
  checkLen(op, 'gy', gy, outN);
  checkLen(op, 'idx', idx, outN);
  const gx = allocF32Uninit(inN); // cleared natively, plane by plane, as it is scattered into
  // The kernel checks every index as it scatters and reports the first one outside the plane.
  const bad = native.indexPoolBackward(gy, idx, [...geom], gx);
  if (bad >= 0) {
    const plane = geom[1] * geom[2] * geom[3];
    throw new ValueError(`${op}: index ${idx[bad]} at ${bad} is outside the plane of ${plane}`);
  }
  return gx;
}

/** Average pooling with PyTorch's divisor rules (padding counted or not, ceil-mode clipping). */
export function avgPool3dForward(
  x: Float32Array,
  geom: PoolGeom,
  k: readonly number[],
  s: readonly number[],
  p: readonly number[],
  countIncludePad: boolean,
): Float32Array {
  const op = 'avgPool3dForward';
  const { inN, outN } = checkGeom(op, geom);
  checkLen(op, 'x', x, inN);
  const out = allocF32Uninit(outN); // every output written
  native.avgPool3dForward(x, [...geom], checkTriple(op, 'kernel', k, 1), checkTriple(op, 'stride', s, 1), checkTriple(op, 'padding', p, 0), countIncludePad, out);
  return out;
}

export function avgPool3dBackward(
  gy: Float32Array,
  geom: PoolGeom,
  k: readonly number[],
  s: readonly number[],
  p: readonly number[],
  countIncludePad: boolean,
): Float32Array {
  const op = 'avgPool3dBackward';
  const { inN, outN } = checkGeom(op, geom);
  checkLen(op, 'gy', gy, outN);
  const gx = allocF32(inN);
  native.avgPool3dBackward(gy, [...geom], checkTriple(op, 'kernel', k, 1), checkTriple(op, 'stride', s, 1), checkTriple(op, 'padding', p, 0), countIncludePad, gx);
  return gx;
}

function checkAdaptive(op: string, geom: PoolGeom): { inN: number; outN: number } {
  const r = checkGeom(op, geom);
  for (let i = 1; i <= 3; i++) {
    if (geom[i] < 1 || geom[i + 3] < 1) throw new ValueError(`${op}: input and output sizes must be positive, got [${geom.join(', ')}]`);
  }
  return r;
}

/** Adaptive average or max pooling (PyTorch's floor/ceil windows); idx is set for max only. */
export function adaptivePool3dForward(x: Float32Array, geom: PoolGeom, isMax: boolean): { out: Float32Array; idx: Int32Array | null } {
  const op = 'adaptivePool3dForward';
  const { inN, outN } = checkAdaptive(op, geom);
  checkLen(op, 'x', x, inN);
  const out = allocF32(outN);
  const idx = isMax ? new Int32Array(outN) : null;
  native.adaptivePool3dForward(x, [...geom], isMax, out, idx);
  return { out, idx };
}

export function adaptiveAvgPool3dBackward(gy: Float32Array, geom: PoolGeom): Float32Array {
  const op = 'adaptiveAvgPool3dBackward';
  const { inN, outN } = checkAdaptive(op, geom);
  checkLen(op, 'gy', gy, outN);
  const gx = allocF32(inN);
  native.adaptiveAvgPool3dBackward(gy, [...geom], gx);
  return gx;
}
