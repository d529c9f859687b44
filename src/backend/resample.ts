/**
 * Interpolation (native/src/resample.cc): per-axis source tables computed here with PyTorch's
 * float32 index formulas (aten/src/ATen/native/UpSample.h), then one separable-weight kernel over
 * [NC, D, H, W] planes for nearest, linear, bilinear and trilinear.
 */
import { allocF32, allocF32Uninit } from './alloc.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { native } from './binding.js';

/** Source positions along one axis: lower index, upper index, weight of the upper one. */
export interface AxisTable {
  i0: Int32Array;
  i1: Int32Array;
  lambda: Float32Array;
}

const f = Math.fround;

// PyTorch's compute_scales_value: 1/scale when a scale factor was given, else in/out, in float32.
function scalesValue(scale: number | undefined, inSize: number, outSize: number): number {
  return scale !== undefined && scale > 0 ? f(1 / scale) : f(f(inSize) / outSize);
}

/**
 * The source table of one axis. `scale` is the user's scale factor for this axis when one was given
 * (PyTorch then uses 1/scale rather than in/out, which differs when in*scale is not an integer).
 */
export function interpAxisTable(
  inSize: number,
  outSize: number,
  mode: 'nearest' | 'linear',
  alignCorners: boolean,
  scale?: number,
): AxisTable {
  if (!Number.isInteger(inSize) || !Number.isInteger(outSize) || inSize < 1 || outSize < 1) {
    throw new ValueError(`interpAxisTable: sizes must be positive integers, got in ${inSize}, out ${outSize}`);
  }
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const lambda = allocF32(outSize);
  if (mode === 'nearest') {
    const s = scalesValue(scale, inSize, outSize);
    for (let o = 0; o < outSize; o++) {
      let src: number;
      if (outSize === inSize) src = o;
      else if (outSize === 2 * inSize) src = o >> 1;
      else src = Math.min(Math.floor(f(o * s)), inSize - 1);
      i0[o] = src;
      i1[o] = src;
    }
    return { i0, i1, lambda };
  }
  const s = alignCorners ? (outSize > 1 ? f(f(inSize - 1) / (outSize - 1)) : 0) : scalesValue(scale, inSize, outSize);
  for (let o = 0; o < outSize; o++) {
    let real = alignCorners ? f(s * o) : f(s * (o + 0.5) - 0.5);
    if (real < 0) real = 0;
    const lo = Math.min(Math.floor(real), inSize - 1);
    i0[o] = lo;
    i1[o] = lo < inSize - 1 ? lo + 1 : lo;
    lambda[o] = f(real - lo);
  }
  return { i0, i1, lambda };
}

type Geom = readonly [number, number, number, number, number, number, number];

function check(op: string, geom: Geom, tables: readonly [AxisTable, AxisTable, AxisTable]): { inN: number; outN: number } {
  if (geom.length !== 7 || geom.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new ValueError(`${op}: geometry must be 7 non-negative integers, got [${geom.join(', ')}]`);
  }
  for (let a = 0; a < 3; a++) {
    const t = tables[a];
    const n = geom[4 + a];
    const inSize = geom[1 + a];
    if (t.i0.length !== n || t.i1.length !== n || t.lambda.length !== n) {
      throw new ShapeError(`${op}: axis ${a} table has ${t.i0.length} entries, expected ${n}`);
    }
    for (let i = 0; i < n; i++) {
      if (t.i0[i] < 0 || t.i0[i] >= inSize || t.i1[i] < 0 || t.i1[i] >= inSize) {
        throw new ValueError(`${op}: axis ${a} source index out of [0, ${inSize}) at ${i}`);
      }
    }
  }
  return { inN: geom[0] * geom[1] * geom[2] * geom[3], outN: geom[0] * geom[4] * geom[5] * geom[6] };
}

/** geom = [NC, D, H, W, oD, oH, oW]; tables for D, H, W. */
export function interpForward(x: Float32Array, geom: Geom, tables: readonly [AxisTable, AxisTable, AxisTable]): Float32Array {
  const { inN, outN } = check('interpForward', geom, tables);
  if (x.length !== inN) throw new ShapeError(`interpForward: x has ${x.length} elements, expected ${inN}`);
  const y = allocF32Uninit(outN); // every output written
  const [d, h, w] = tables;
  native.interpForward(x, [...geom], d.i0, d.i1, d.lambda, h.i0, h.i1, h.lambda, w.i0, w.i1, w.lambda, y);
  return y;
}

export function interpBackward(gy: Float32Array, geom: Geom, tables: readonly [AxisTable, AxisTable, AxisTable]): Float32Array {
  const { inN, outN } = check('interpBackward', geom, tables);
  if (gy.length !== outN) throw new ShapeError(`interpBackward: gy has ${gy.length} elements, expected ${outN}`);
  const gx = allocF32(inN);
  const [d, h, w] = tables;
  native.interpBackward(gy, [...geom], d.i0, d.i1, d.lambda, h.i0, h.i1, h.lambda, w.i0, w.i1, w.lambda, gx);
  return gx;
}
