/** Argument checking and geometry for the ACS operators (DESIGN §4). */
import type { AcsGeometry, AcsPartSpec } from '../backend/acs.js';
import { assertFloat, type Tensor } from '../tensor/tensor.js';
import { ShapeError, UnsupportedError, ValueError } from '../util/errors.js';
import { shapeStr, tuple } from '../util/shape.js';

export type Triple = number | readonly number[];

export interface AcsCommonOptions {
  /** Stride, an int or a (D, H, W) triple (default 1). */
  stride?: Triple;
  /** Zero padding, an int or a (D, H, W) triple (default 0). */
  padding?: Triple;
  /** Dilation, an int or a (D, H, W) triple (default 1). */
  dilation?: Triple;
  /** 1, depthwise, or any count whose group boundaries the split respects (default 1). */
  groups?: number;
}

export interface AcsConvOptions extends AcsCommonOptions {
  /** Output channels per plane [axial, coronal, sagittal]; default remainder-first thirds. */
  acsKernelSplit?: readonly number[];
}

/** A part of an ACS convolution: output channels [c0, c1) convolving in one plane. */
export type AcsPart = AcsPartSpec;

/** The reference's default split: q = floor(C/3), r = C mod 3 → [q + (r ≥ 1), q + (r ≥ 2), q]. */
export function defaultAcsSplit(channels: number): [number, number, number] {
  const q = Math.floor(channels / 3);
  const r = channels % 3;
  return [q + (r >= 1 ? 1 : 0), q + (r >= 2 ? 1 : 0), q];
}

export function checkInput(op: string, x: Tensor, name = 'input'): void {
  assertFloat(x, op, name);
  if (x.ndim !== 5) {
    throw new ShapeError(`${op}: ${name} must be rank 5 [N, C, D, H, W], got rank ${x.ndim} (shape ${shapeStr(x.shape)})`);
  }
}

/** Checks a 2D kernel bank [A, B, k, k] and returns k. */
export function checkWeight(op: string, w: Tensor, layout: string): number {
  assertFloat(w, op, 'weight');
  if (w.ndim !== 4) {
    throw new ShapeError(`${op}: weight must be a 2D kernel bank ${layout} of rank 4, got rank ${w.ndim} (shape ${shapeStr(w.shape)})`);
  }
  if (w.shape[2] !== w.shape[3]) {
    throw new ShapeError(`${op}: weight must have a square kernel (k×k), got ${w.shape[2]}×${w.shape[3]} (shape ${shapeStr(w.shape)})`);
  }
  if (w.shape[2] < 1) throw new ShapeError(`${op}: weight kernel size must be >= 1, got shape ${shapeStr(w.shape)}`);
  return w.shape[2];
}

export function checkGroups(op: string, groups: number, cin: number, cout: number, cinName: string, coutName: string): void {
  if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`${op}: groups must be a positive integer, got ${groups}`);
  if (cin % groups) throw new ValueError(`${op}: groups ${groups} must divide ${cinName} ${cin}`);
  if (cout % groups) throw new ValueError(`${op}: groups ${groups} must divide ${coutName} ${cout}`);
}

export function checkBias(op: string, b: Tensor | null, channels: number): void {
  if (!b) return;
  assertFloat(b, op, 'bias');
  if (b.ndim !== 1 || b.shape[0] !== channels) {
    throw new ShapeError(`${op}: bias must have shape [${channels}], got ${shapeStr(b.shape)}`);
  }
}

/**
 * Validates an ACS split of `channels` (forward: output channels; transposed: input channels)
 * against the group structure and returns the three parts.
 */
export function resolveSplit(op: string, split: readonly number[] | undefined, channels: number, groups: number): AcsPart[] {
  const s = split ? [...split] : defaultAcsSplit(channels);
  if (s.length !== 3 || !s.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new ValueError(`${op}: acsKernelSplit must be 3 non-negative integers [axial, coronal, sagittal], got [${s.join(', ')}]`);
  }
  if (s[0] + s[1] + s[2] !== channels) {
    throw new ValueError(`${op}: acsKernelSplit [${s.join(', ')}] must sum to the ${channels} channels it splits, sums to ${s[0] + s[1] + s[2]}`);
  }
  const per = channels / groups;
  if (groups > 1 && (s[0] % per || (s[0] + s[1]) % per)) {
    const byGroup = defaultAcsSplit(groups).map((v) => v * per);
    throw new UnsupportedError(
      `${op}: acsKernelSplit [${s.join(', ')}] cuts through a group (groups=${groups}, ${per} channels per group); ` +
        `every part must hold whole groups, e.g. acsKernelSplit [${byGroup.join(', ')}]`,
    );
  }
  return [
    { plane: 0, c0: 0, c1: s[0] },
    { plane: 1, c0: s[0], c1: s[0] + s[1] },
    { plane: 2, c0: s[0] + s[1], c1: channels },
  ];
}

export interface Spatial {
  stride: number[];
  padding: number[];
  dilation: number[];
}

export function resolveSpatial(op: string, o: AcsCommonOptions): Spatial {
  return {
    stride: tuple(o.stride ?? 1, 3, op, 'stride', 1),
    padding: tuple(o.padding ?? 0, 3, op, 'padding', 0),
    dilation: tuple(o.dilation ?? 1, 3, op, 'dilation', 1),
  };
}

/** Conv3d output sizes with a k×k×k kernel (`kd` overrides the kernel extent per axis). */
export function convOutSize(op: string, input: readonly number[], k: readonly number[], sp: Spatial): [number, number, number] {
  const out = [0, 1, 2].map((i) => Math.floor((input[i] + 2 * sp.padding[i] - sp.dilation[i] * (k[i] - 1) - 1) / sp.stride[i]) + 1);
  if (out.some((v) => v < 1)) {
    throw new ShapeError(
      `${op}: output size would be ${shapeStr(out)} (< 1) for input spatial size ${shapeStr(input)}, kernel ${k.join('×')}, ` +
        `stride ${shapeStr(sp.stride)}, padding ${shapeStr(sp.padding)}, dilation ${shapeStr(sp.dilation)}`,
    );
  }
  return out as [number, number, number];
}

export function geometry(x: readonly number[], cout: number, out: readonly number[], k: number, sp: Spatial, groups: number): AcsGeometry {
  return {
    N: x[0],
    Cin: x[1],
    D: x[2],
    H: x[3],
    W: x[4],
    Cout: cout,
    oD: out[0],
    oH: out[1],
    oW: out[2],
    k,
    stride: sp.stride,
    padding: sp.padding,
    dilation: sp.dilation,
    groups,
  };
}
