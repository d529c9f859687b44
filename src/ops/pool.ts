/**
 * Pooling ops with autograd: max, average, adaptive average and adaptive max, 2D and 3D, after
 * torch.nn.functional. 2D ops run the 3D kernels with D = 1. Inputs may omit the batch dimension
 * ([C, H, W] / [C, D, H, W]) as in PyTorch.
 */
import { record } from '../autograd/record.js';
import {
  adaptiveAvgPool3dBackward,
  adaptivePool3dForward,
  avgPool3dBackward,
  avgPool3dForward,
  indexPoolBackward,
  maxPool3dForward,
  type PoolGeom,
} from '../backend/pool.js';
import { Tensor, assertFloat } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { shapeStr, tuple } from '../util/shape.js';

export type IntOrTuple = number | readonly number[];

export interface MaxPoolOptions {
  /** Defaults to the kernel size. */
  stride?: IntOrTuple | null;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  ceilMode?: boolean;
}

export interface AvgPoolOptions {
  /** Defaults to the kernel size. */
  stride?: IntOrTuple | null;
  padding?: IntOrTuple;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** Adaptive output size: an int, or one entry per spatial dim where null keeps the input size. */
export type AdaptiveSize = number | readonly (number | null)[];

interface Spatial {
  lead: number[]; // shape before the spatial dims ([N, C] or [C])
  nc: number;
  sp: number[]; // spatial sizes padded to 3 (D = 1 for 2D)
}

const NAMES2 = '[N, C, H, W] or [C, H, W]';
const NAMES3 = '[N, C, D, H, W] or [C, D, H, W]';

function spatial(op: string, x: Tensor, dims: 2 | 3): Spatial {
  assertFloat(x, op, 'input');
  const r = x.ndim;
  if (r !== dims + 1 && r !== dims + 2) {
    throw new ShapeError(`${op}: input must be rank ${dims + 2} ${dims === 2 ? NAMES2 : NAMES3}, got rank ${r} (shape ${shapeStr(x.shape)})`);
  }
  const lead = x.shape.slice(0, r - dims);
  const sp = x.shape.slice(r - dims);
  if (sp.some((v) => v === 0) || (lead.length === 2 && lead[1] === 0)) {
    throw new ShapeError(`${op}: channel and spatial sizes must be non-zero, got shape ${shapeStr(x.shape)}`);
  }
  return { lead, nc: lead.reduce((a, b) => a * b, 1), sp: dims === 2 ? [1, ...sp] : sp };
}

// PyTorch's pooling_output_shape: ceil mode adds a window only if it starts inside input or left pad.
function poolOutSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  let o = Math.floor((n + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

interface Window {
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  out: number[];
}

function window(
  op: string,
  x: Tensor,
  S: Spatial,
  dims: 2 | 3,
  kernel: IntOrTuple,
  stride: IntOrTuple | null | undefined,
  padding: IntOrTuple,
  dilation: IntOrTuple,
  ceil: boolean,
): Window {
  const k = tuple(kernel, dims, op, 'kernelSize', 1);
  const s = stride === null || stride === undefined || (Array.isArray(stride) && stride.length === 0) ? k : tuple(stride, dims, op, 'stride', 1);
  const p = tuple(padding, dims, op, 'padding', 0);
  const d = tuple(dilation, dims, op, 'dilation', 1);
  for (let i = 0; i < dims; i++) {
    const eff = (k[i] - 1) * d[i] + 1;
    if (p[i] > Math.floor(eff / 2)) {
      throw new ValueError(
        `${op}: pad should be at most half of effective kernel size, got padding ${shapeStr(p)} for kernelSize ${shapeStr(k)} and dilation ${shapeStr(d)}`,
      );
    }
  }
  const spIn = S.sp.slice(3 - dims);
  const out = spIn.map((n, i) => poolOutSize(n, k[i], s[i], p[i], d[i], ceil));
  if (out.some((o) => o < 1)) {
    throw new ShapeError(`${op}: output size is too small: input ${shapeStr(x.shape)} gives spatial output ${shapeStr(out)}`);
  }
  const pad3 = (a: number[], v: number): number[] => (dims === 2 ? [v, ...a] : a);
  return { k: pad3(k, 1), s: pad3(s, 1), p: pad3(p, 0), d: pad3(d, 1), out: pad3(out, 1) };
}

function geomOf(S: Spatial, out: number[]): PoolGeom {
  return [S.nc, S.sp[0], S.sp[1], S.sp[2], out[0], out[1], out[2]];
}

function outShape(S: Spatial, out: number[], dims: 2 | 3): number[] {
  return [...S.lead, ...out.slice(3 - dims)];
}

function maxPoolNd(x: Tensor, kernel: IntOrTuple, opts: MaxPoolOptions, dims: 2 | 3, op: string): Tensor {
  const S = spatial(op, x, dims);
  const w = window(op, x, S, dims, kernel, opts.stride, opts.padding ?? 0, opts.dilation ?? 1, opts.ceilMode ?? false);
  const geom = geomOf(S, w.out);
  const { out, idx } = maxPool3dForward(x.data, geom, w.k, w.s, w.p, w.d);
  const y = new Tensor(out, outShape(S, w.out, dims), 'float32');
  const inShape = x.shape;
  return record(y, dims === 2 ? 'MaxPool2d' : 'MaxPool3d', [x], (g) => [
    new Tensor(indexPoolBackward(g.data, idx, geom), inShape, 'float32'),
  ]);
}

/** 2D max pooling of `[N, C, H, W]` (as `F.max_pool2d`); stride defaults to the kernel size. */
export function maxPool2d(x: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): Tensor {
  return maxPoolNd(x, kernelSize, opts, 2, 'maxPool2d');
}

/** 3D max pooling of `[N, C, D, H, W]` (as `F.max_pool3d`); stride defaults to the kernel size. */
export function maxPool3d(x: Tensor, kernelSize: IntOrTuple, opts: MaxPoolOptions = {}): Tensor {
  return maxPoolNd(x, kernelSize, opts, 3, 'maxPool3d');
}

function avgPoolNd(x: Tensor, kernel: IntOrTuple, opts: AvgPoolOptions, dims: 2 | 3, op: string): Tensor {
  const S = spatial(op, x, dims);
  const w = window(op, x, S, dims, kernel, opts.stride, opts.padding ?? 0, 1, opts.ceilMode ?? false);
  const inc = opts.countIncludePad ?? true;
  const geom = geomOf(S, w.out);
  const y = new Tensor(avgPool3dForward(x.data, geom, w.k, w.s, w.p, inc), outShape(S, w.out, dims), 'float32');
  const inShape = x.shape;
  return record(y, dims === 2 ? 'AvgPool2d' : 'AvgPool3d', [x], (g) => [
    new Tensor(avgPool3dBackward(g.data, geom, w.k, w.s, w.p, inc), inShape, 'float32'),
  ]);
}

/** 2D average pooling of `[N, C, H, W]` (as `F.avg_pool2d`, without divisor_override). */
export function avgPool2d(x: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions = {}): Tensor {
  return avgPoolNd(x, kernelSize, opts, 2, 'avgPool2d');
}

/** 3D average pooling of `[N, C, D, H, W]` (as `F.avg_pool3d`, without divisor_override). */
export function avgPool3d(x: Tensor, kernelSize: IntOrTuple, opts: AvgPoolOptions = {}): Tensor {
  return avgPoolNd(x, kernelSize, opts, 3, 'avgPool3d');
}

function adaptiveOut(op: string, S: Spatial, size: AdaptiveSize, dims: 2 | 3): number[] {
  const arr = typeof size === 'number' ? new Array<number | null>(dims).fill(size) : [...size];
  if (arr.length !== dims) {
    throw new ValueError(`${op}: outputSize must be an int or ${dims} entries, got [${arr.join(', ')}]`);
  }
  const spIn = S.sp.slice(3 - dims);
  const out = arr.map((v, i) => (v === null ? spIn[i] : v));
  for (const v of out) {
    if (!Number.isInteger(v) || v < 1) throw new ValueError(`${op}: outputSize entries must be positive integers (or null), got [${arr.join(', ')}]`);
  }
  return dims === 2 ? [1, ...out] : out;
}

function adaptiveNd(x: Tensor, size: AdaptiveSize, dims: 2 | 3, isMax: boolean, op: string, name: string): Tensor {
  const S = spatial(op, x, dims);
  const out = adaptiveOut(op, S, size, dims);
  const geom = geomOf(S, out);
  const r = adaptivePool3dForward(x.data, geom, isMax);
  const y = new Tensor(r.out, outShape(S, out, dims), 'float32');
  const inShape = x.shape;
  const idx = r.idx;
  return record(y, name, [x], (g) => [
    new Tensor(idx ? indexPoolBackward(g.data, idx, geom) : adaptiveAvgPool3dBackward(g.data, geom), inShape, 'float32'),
  ]);
}

/** Adaptive 2D average pooling to `outputSize` (as `F.adaptive_avg_pool2d`); null keeps a dim. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveNd(x, outputSize, 2, false, 'adaptiveAvgPool2d', 'AdaptiveAvgPool2d');
}

/** Adaptive 3D average pooling to `outputSize` (as `F.adaptive_avg_pool3d`); null keeps a dim. */
export function adaptiveAvgPool3d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveNd(x, outputSize, 3, false, 'adaptiveAvgPool3d', 'AdaptiveAvgPool3d');
}

/** Adaptive 2D max pooling (as `F.adaptive_max_pool2d` without return_indices). */
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveNd(x, outputSize, 2, true, 'adaptiveMaxPool2d', 'AdaptiveMaxPool2d');
}

/** Adaptive 3D max pooling (as `F.adaptive_max_pool3d` without return_indices). */
export function adaptiveMaxPool3d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveNd(x, outputSize, 3, true, 'adaptiveMaxPool3d', 'AdaptiveMaxPool3d');
}
