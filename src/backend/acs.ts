/**
 * Checked wrappers of the ACS kernels (native/src/acs.cc). A "part" is the output-channel range
 * [c0, c1) whose 2D kernels run in one plane; the native code trusts what is validated here.
 */
import { ShapeError, ValueError } from '../util/errors.js';
import { native } from './binding.js';

/** The sampled (not convolved) axis of a part: 0 = D (axial, convolves H×W), 1 = H (coronal, D×W), 2 = W (sagittal, D×H). */
export type AcsPlane = 0 | 1 | 2;

/** Geometry of one ACS convolution, in the forward direction (x [N, Cin, D, H, W] → y [N, Cout, oD, oH, oW]). */
export interface AcsGeometry {
  N: number;
  Cin: number;
  D: number;
  H: number;
  W: number;
  Cout: number;
  oD: number;
  oH: number;
  oW: number;
  k: number;
  stride: readonly number[];
  padding: readonly number[];
  dilation: readonly number[];
  groups: number;
}

/**
 * How a part samples the axis it does not convolve: 'acs' is DESIGN §4's rule (the reference ACSConv's);
 * 'conv' is Conv3d's with a unit kernel along that axis (j·stride − padding), used by Conv2_5d.
 */
export type AcsSampling = 'acs' | 'conv';

function pack(g: AcsGeometry, plane: AcsPlane, c0: number, c1: number, fn: string, sampling: AcsSampling): number[] {
  const ints = [g.N, g.Cin, g.D, g.H, g.W, g.Cout, g.oD, g.oH, g.oW, g.k, g.groups];
  if (!ints.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new ValueError(`${fn}: geometry sizes must be positive integers, got [${ints.join(', ')}]`);
  }
  const trip = [...g.stride, ...g.padding, ...g.dilation];
  if (trip.length !== 9 || !trip.every((v) => Number.isInteger(v) && v >= 0) || g.stride.some((v) => v < 1) || g.dilation.some((v) => v < 1)) {
    throw new ValueError(`${fn}: stride/padding/dilation must be 3 ints each (stride, dilation >= 1), got [${trip.join(', ')}]`);
  }
  if (g.Cin % g.groups || g.Cout % g.groups) {
    throw new ValueError(`${fn}: groups ${g.groups} must divide Cin ${g.Cin} and Cout ${g.Cout}`);
  }
  if (!(plane === 0 || plane === 1 || plane === 2)) throw new ValueError(`${fn}: plane must be 0, 1 or 2, got ${plane}`);
  if (!(Number.isInteger(c0) && Number.isInteger(c1) && c0 >= 0 && c0 <= c1 && c1 <= g.Cout)) {
    throw new ValueError(`${fn}: part channels [${c0}, ${c1}) must lie within [0, ${g.Cout}]`);
  }
  return [g.N, g.Cin, g.D, g.H, g.W, g.Cout, g.oD, g.oH, g.oW, g.k, ...trip, g.groups, sampling === 'conv' ? plane + 3 : plane, c0, c1];
}

function check(arr: Float32Array, n: number, fn: string, name: string): void {
  if (arr.length !== n) throw new ShapeError(`${fn}: ${name} has ${arr.length} elements, expected ${n}`);
}

/** Elements of the input [N, Cin, D, H, W] and the output [N, Cout, oD, oH, oW] of a geometry. */
export const xSize = (g: AcsGeometry): number => g.N * g.Cin * g.D * g.H * g.W;
export const ySize = (g: AcsGeometry): number => g.N * g.Cout * g.oD * g.oH * g.oW;
const wSize = (g: AcsGeometry): number => g.Cout * (g.Cin / g.groups) * g.k * g.k;

/**
 * One part of a convolution: output channels [c0, c1) convolving in the plane that leaves out `plane`.
 * Output channel c reads the input channels of its group, so a part may span or cut groups.
 */
export interface AcsPartSpec {
  plane: AcsPlane;
  c0: number;
  c1: number;
}

function packParts(g: AcsGeometry, parts: readonly AcsPartSpec[], fn: string, sampling: AcsSampling): number[] {
  return parts.filter((p) => p.c1 !== p.c0).flatMap((p) => pack(g, p.plane, p.c0, p.c1, fn, sampling));
}

/**
 * The parts of one convolution together: y[:, c0:c1] = each part's convolution, plus `bias` [Cout] on
 * those channels when given. Where every part takes the implicit-GEMM path they run as one kernel (one
 * pass over the output tiles, the bias added in registers); otherwise part by part.
 */
export function acsForward(
  x: Float32Array,
  w: Float32Array,
  y: Float32Array,
  g: AcsGeometry,
  parts: readonly AcsPartSpec[],
  sampling: AcsSampling = 'acs',
  bias: Float32Array | null = null,
): void {
  const fn = 'acsForward';
  const geos = packParts(g, parts, fn, sampling);
  check(x, xSize(g), fn, 'x');
  check(w, wSize(g), fn, 'weight');
  check(y, ySize(g), fn, 'y');
  if (bias) check(bias, g.Cout, fn, 'bias');
  if (geos.length) native.acsForward(x, w, y, geos, bias);
}

/** dw += every part's weight gradient. */
export function acsBackwardWeight(x: Float32Array, dy: Float32Array, dw: Float32Array, g: AcsGeometry, parts: readonly AcsPartSpec[], sampling: AcsSampling = 'acs'): void {
  const fn = 'acsBackwardWeight';
  const geos = packParts(g, parts, fn, sampling);
  check(x, xSize(g), fn, 'x');
  check(dy, ySize(g), fn, 'dy');
  check(dw, wSize(g), fn, 'dw');
  if (geos.length) native.acsBackwardWeight(x, dy, dw, geos);
}

/**
 * dx += every part's input gradient ('add'), or dx = it ('overwrite': dx's prior contents are ignored, so it
 * may be uninitialised). Fused and unstrided, dx is written once for all parts and never read.
 */
export function acsBackwardInput(
  dy: Float32Array,
  w: Float32Array,
  dx: Float32Array,
  g: AcsGeometry,
  parts: readonly AcsPartSpec[],
  sampling: AcsSampling = 'acs',
  mode: 'add' | 'overwrite' = 'add',
): void {
  const fn = 'acsBackwardInput';
  const geos = packParts(g, parts, fn, sampling);
  check(dy, ySize(g), fn, 'dy');
  check(w, wSize(g), fn, 'weight');
  check(dx, xSize(g), fn, 'dx');
  if (geos.length) native.acsBackwardInput(dy, w, dx, geos, mode === 'overwrite');
  else if (mode === 'overwrite') dx.fill(0);
}

/** Whether the parts' channel ranges tile [0, cout) exactly (so together they write every output channel). */
export function partsCover(parts: readonly AcsPartSpec[], cout: number): boolean {
  const live = parts.filter((p) => p.c1 > p.c0).sort((a, b) => a.c0 - b.c0);
  let next = 0;
  for (const p of live) {
    if (p.c0 !== next) return false;
    next = p.c1;
  }
  return next === cout;
}

/**
 * Enables or disables the implicit-GEMM path for stride-1 same-size geometries (native/src/acs_fast.cc);
 * returns whether it is now in use (false below AVX2, see `isa()`). For tests and comparisons: both paths
 * compute the same values.
 */
export function setAcsFastPath(enabled: boolean): boolean {
  return native.acsSetFastPath(enabled);
}
