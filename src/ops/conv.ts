/** Convolutions over 2 and 3 spatial dims and their transposes, with autograd (after torch.nn.functional). */
import { record } from '../autograd/record.js';
import {
  type ConvGeometry,
  convBackwardBias,
  convBackwardInput,
  convBackwardWeight,
  convForward,
} from '../backend/conv.js';
import { assertFloat, Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { shapeStr, tuple } from '../util/shape.js';

export interface ConvOptions {
  /** Int or one per spatial dim; default 1. */
  stride?: number | readonly number[];
  /** Zero padding on both sides, int or one per spatial dim; default 0. */
  padding?: number | readonly number[];
  /** Int or one per spatial dim; default 1. */
  dilation?: number | readonly number[];
  /** Channel groups; must divide input and output channels. Default 1. */
  groups?: number;
}

export interface ConvTransposeOptions extends ConvOptions {
  /** Extra size added to one side of the output, int or one per spatial dim; default 0. */
  outputPadding?: number | readonly number[];
}

const DIMS: Record<number, string> = { 2: '[N, C, H, W]', 3: '[N, C, D, H, W]' };
const KDIMS: Record<number, string> = { 2: 'kH, kW', 3: 'kD, kH, kW' };

interface Parsed {
  stride: number[];
  padding: number[];
  dilation: number[];
  groups: number;
  kernel: number[];
}

function checkCommon(op: string, nd: number, x: Tensor, w: Tensor, opts: ConvOptions, wLayout: string): Parsed {
  assertFloat(x, op, 'input');
  assertFloat(w, op, 'weight');
  if (x.ndim !== nd + 2) {
    throw new ShapeError(`${op}: input must be rank ${nd + 2} ${DIMS[nd]}, got rank ${x.ndim} (shape ${shapeStr(x.shape)})`);
  }
  if (w.ndim !== nd + 2) {
    throw new ShapeError(
      `${op}: weight must be rank ${nd + 2} [${wLayout}, ${KDIMS[nd]}], got rank ${w.ndim} (shape ${shapeStr(w.shape)})`,
    );
  }
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`${op}: groups must be a positive integer, got ${groups}`);
  const kernel = w.shape.slice(2);
  if (kernel.some((k) => k < 1) || w.shape[0] < 1 || w.shape[1] < 1) {
    throw new ShapeError(`${op}: weight has an empty dimension (shape ${shapeStr(w.shape)})`);
  }
  if (x.shape[1] < 1) throw new ShapeError(`${op}: input has no channels (shape ${shapeStr(x.shape)})`);
  return {
    stride: tuple(opts.stride ?? 1, nd, op, 'stride', 1),
    padding: tuple(opts.padding ?? 0, nd, op, 'padding', 0),
    dilation: tuple(opts.dilation ?? 1, nd, op, 'dilation', 1),
    groups,
    kernel,
  };
}

function checkBias(op: string, b: Tensor | null, c: number): void {
  if (!b) return;
  assertFloat(b, op, 'bias');
  if (b.ndim !== 1 || b.shape[0] !== c) {
    throw new ShapeError(`${op}: bias must have shape [${c}] (one per output channel), got ${shapeStr(b.shape)}`);
  }
}

/** Pads per-dim lists to (D, H, W) for the native kernels: 2-D convolutions get a unit D axis. */
const to3 = (v: readonly number[], fill: number): number[] => (v.length === 3 ? [...v] : [fill, ...v]);

function geometry(
  n: number,
  cin: number,
  cout: number,
  inSize: readonly number[],
  outSize: readonly number[],
  p: Parsed,
): ConvGeometry {
  return {
    n,
    cin,
    cout,
    groups: p.groups,
    inSize: to3(inSize, 1),
    outSize: to3(outSize, 1),
    kernel: to3(p.kernel, 1),
    stride: to3(p.stride, 1),
    padding: to3(p.padding, 0),
    dilation: to3(p.dilation, 1),
  };
}

/**
 * Records a convolution-like op `out = conv(x, w) + b` (any kind: Conv, its transpose, ACS) whose input
 * and weight gradients are given as closures. Only shapes are kept here: the closures keep what their
 * gradients need (x for the weight's, w for the input's), so an activation is not held for nothing.
 */
export function recordConv(
  out: Tensor,
  name: string,
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  gradX: (dy: Float32Array) => Float32Array,
  gradW: (dy: Float32Array) => Float32Array,
): Tensor {
  const [n, c] = out.shape;
  const spatial = out.size / (n * c);
  const [xShape, wShape] = [x.shape, w.shape];
  const [nx, nw, nb] = [x.requiresGrad, w.requiresGrad, b?.requiresGrad ?? false];
  return record(out, name, b ? [x, w, b] : [x, w], (grad) => {
    const gx = nx ? new Tensor(gradX(grad.data), xShape, 'float32') : null;
    const gw = nw ? new Tensor(gradW(grad.data), wShape, 'float32') : null;
    if (!b) return [gx, gw];
    return [gx, gw, nb ? new Tensor(convBackwardBias(grad.data, n, c, spatial), [c], 'float32') : null];
  });
}

function convNd(op: string, name: string, nd: number, x: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions): Tensor {
  const p = checkCommon(op, nd, x, w, opts, 'Cout, Cin/groups');
  const [n, cin] = x.shape;
  const cout = w.shape[0];
  if (cin % p.groups) throw new ValueError(`${op}: input channels ${cin} are not divisible by groups ${p.groups}`);
  if (cout % p.groups) throw new ValueError(`${op}: output channels ${cout} (weight dim 0) are not divisible by groups ${p.groups}`);
  if (w.shape[1] * p.groups !== cin) {
    throw new ShapeError(
      `${op}: weight ${shapeStr(w.shape)} expects ${w.shape[1] * p.groups} input channels (dim 1 × groups ${p.groups}), ` +
        `got input with ${cin} channels (shape ${shapeStr(x.shape)})`,
    );
  }
  checkBias(op, b, cout);
  const inSize = x.shape.slice(2);
  const outSize = inSize.map(
    (s, i) => Math.floor((s + 2 * p.padding[i] - p.dilation[i] * (p.kernel[i] - 1) - 1) / p.stride[i]) + 1,
  );
  if (outSize.some((o) => o < 1)) {
    throw new ShapeError(
      `${op}: output size would be ${shapeStr(outSize)} for input size ${shapeStr(inSize)} with kernel ` +
        `${shapeStr(p.kernel)}, padding ${shapeStr(p.padding)}, dilation ${shapeStr(p.dilation)} and stride ` +
        `${shapeStr(p.stride)}; every output dimension must be >= 1`,
    );
  }
  const g = geometry(n, cin, cout, inSize, outSize, p);
  const out = new Tensor(convForward(g, x.data, w.data, b ? b.data : null), [n, cout, ...outSize], 'float32');
  // Each saved array is only what its gradient needs: x for dw, w for dx.
  const xData = w.requiresGrad ? x.data : null;
  const wData = x.requiresGrad ? w.data : null;
  return recordConv(
    out,
    name,
    x,
    w,
    b,
    (dy) => convBackwardInput(g, dy, wData!),
    (dy) => convBackwardWeight(g, xData!, dy),
  );
}

function convTransposeNd(
  op: string,
  name: string,
  nd: number,
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  opts: ConvTransposeOptions,
): Tensor {
  const p = checkCommon(op, nd, x, w, opts, 'Cin, Cout/groups');
  const [n, cin] = x.shape;
  if (w.shape[0] !== cin) {
    throw new ShapeError(
      `${op}: weight ${shapeStr(w.shape)} expects ${w.shape[0]} input channels (dim 0), got input with ${cin} ` +
        `channels (shape ${shapeStr(x.shape)})`,
    );
  }
  if (cin % p.groups) throw new ValueError(`${op}: input channels ${cin} are not divisible by groups ${p.groups}`);
  const cout = w.shape[1] * p.groups;
  checkBias(op, b, cout);
  const outputPadding = tuple(opts.outputPadding ?? 0, nd, op, 'outputPadding', 0);
  outputPadding.forEach((op_, i) => {
    if (op_ >= p.stride[i] && op_ >= p.dilation[i]) {
      throw new ValueError(
        `${op}: outputPadding must be smaller than either stride or dilation, got outputPadding ` +
          `${shapeStr(outputPadding)}, stride ${shapeStr(p.stride)}, dilation ${shapeStr(p.dilation)}`,
      );
    }
  });
  const inSize = x.shape.slice(2);
  const outSize = inSize.map(
    (s, i) => (s - 1) * p.stride[i] - 2 * p.padding[i] + p.dilation[i] * (p.kernel[i] - 1) + outputPadding[i] + 1,
  );
  if (outSize.some((o) => o < 1)) {
    throw new ShapeError(
      `${op}: output size would be ${shapeStr(outSize)} for input size ${shapeStr(inSize)} with kernel ` +
        `${shapeStr(p.kernel)}, padding ${shapeStr(p.padding)}, dilation ${shapeStr(p.dilation)}, stride ` +
        `${shapeStr(p.stride)} and outputPadding ${shapeStr(outputPadding)}; every output dimension must be >= 1`,
    );
  }
  // The transposed convolution is the input gradient of the convolution that maps its output back to x.
  const g = geometry(n, cout, cin, outSize, inSize, p);
  const out = new Tensor(convBackwardInput(g, x.data, w.data, b ? b.data : null), [n, cout, ...outSize], 'float32');
  const xData = w.requiresGrad ? x.data : null;
  const wData = x.requiresGrad ? w.data : null;
  return recordConv(
    out,
    name,
    x,
    w,
    b,
    (dy) => convForward(g, dy, wData!, null),
    (dy) => convBackwardWeight(g, dy, xData!),
  );
}

/** 2-D convolution: x [N, Cin, H, W], w [Cout, Cin/groups, kH, kW], b [Cout] → [N, Cout, oH, oW]; torch.nn.functional.conv2d. */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  return convNd('conv2d', 'Conv2d', 2, x, w, b, opts);
}

/** 3-D convolution: x [N, Cin, D, H, W], w [Cout, Cin/groups, kD, kH, kW], b [Cout] → [N, Cout, oD, oH, oW]; F.conv3d. */
export function conv3d(x: Tensor, w: Tensor, b: Tensor | null = null, opts: ConvOptions = {}): Tensor {
  return convNd('conv3d', 'Conv3d', 3, x, w, b, opts);
}

/** Transposed 2-D convolution: x [N, Cin, H, W], w [Cin, Cout/groups, kH, kW], b [Cout]; F.conv_transpose2d. */
export function convTranspose2d(x: Tensor, w: Tensor, b: Tensor | null = null, opts: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd('convTranspose2d', 'ConvTranspose2d', 2, x, w, b, opts);
}

/** Transposed 3-D convolution: x [N, Cin, D, H, W], w [Cin, Cout/groups, kD, kH, kW], b [Cout]; F.conv_transpose3d. */
export function convTranspose3d(x: Tensor, w: Tensor, b: Tensor | null = null, opts: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd('convTranspose3d', 'ConvTranspose3d', 3, x, w, b, opts);
}
