/**
 * ACS convolutions (DESIGN §4): a 2D kernel bank applied to a volume, its output channels split into an
 * axial part (1×k×k, convolves H×W), a coronal part (k×1×k, D×W) and a sagittal part (k×k×1, D×H).
 * Each part runs natively as a batch of 2D convolutions over strided views of the input, written into
 * its slice of the output; gradients reuse the same kernels.
 */
import { allocF32, allocF32Uninit } from '../backend/alloc.js';
import { addChannelInPlace } from '../backend/elementwise.js';
import { convBackwardBias } from '../backend/conv.js';
import { recordConv } from './conv.js';
import {
  type AcsGeometry,
  type AcsSampling,
  acsBackwardInput,
  acsBackwardWeight,
  acsForward,
  partsCover,
  xSize,
  ySize,
} from '../backend/acs.js';
import { needsGrad, record } from '../autograd/record.js';
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { shapeStr, tuple } from '../util/shape.js';
import {
  type AcsCommonOptions,
  type AcsConvOptions,
  type AcsPart,
  checkBias,
  checkGroups,
  checkInput,
  checkWeight,
  convOutSize,
  geometry,
  resolveSpatial,
  resolveSplit,
} from './acs-args.js';

export { defaultAcsSplit, type AcsConvOptions, type AcsCommonOptions } from './acs-args.js';

function forwardParts(
  x: Float32Array,
  w: Float32Array,
  g: AcsGeometry,
  parts: readonly AcsPart[],
  sampling: AcsSampling = 'acs',
  bias: Float32Array | null = null,
): Float32Array {
  const y = partsCover(parts, g.Cout) ? allocF32Uninit(ySize(g)) : allocF32(ySize(g));
  acsForward(x, w, y, g, parts, sampling, bias);
  return y;
}

function inputGradParts(dy: Float32Array, w: Float32Array, g: AcsGeometry, parts: readonly AcsPart[], sampling: AcsSampling = 'acs'): Float32Array {
  const dx = allocF32Uninit(xSize(g));
  acsBackwardInput(dy, w, dx, g, parts, sampling, 'overwrite');
  return dx;
}

function weightGradParts(x: Float32Array, dy: Float32Array, wLen: number, g: AcsGeometry, parts: readonly AcsPart[], sampling: AcsSampling = 'acs'): Float32Array {
  const dw = allocF32(wLen);
  acsBackwardWeight(x, dy, dw, g, parts, sampling);
  return dw;
}

interface Prepared {
  g: AcsGeometry;
  out: [number, number, number];
}

function prepareForward(op: string, x: Tensor, w: Tensor, b: Tensor | null, o: AcsCommonOptions, kernel3?: (k: number) => number[]): Prepared {
  checkInput(op, x);
  const k = checkWeight(op, w, '[Cout, Cin/groups, k, k]');
  const groups = o.groups ?? 1;
  const cout = w.shape[0];
  if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`${op}: groups must be a positive integer, got ${groups}`);
  if (w.shape[1] * groups !== x.shape[1]) {
    throw new ShapeError(
      `${op}: input has ${x.shape[1]} channels but weight ${shapeStr(w.shape)} with groups=${groups} expects ${w.shape[1] * groups} (weight.shape[1] × groups)`,
    );
  }
  checkGroups(op, groups, x.shape[1], cout, 'input channels', 'output channels (weight.shape[0])');
  checkBias(op, b, cout);
  const sp = resolveSpatial(op, o);
  const out = convOutSize(op, x.shape.slice(2), kernel3 ? kernel3(k) : [k, k, k], sp);
  return { g: geometry(x.shape, cout, out, k, sp, groups), out };
}

/**
 * ACS convolution: x [N, Cin, D, H, W], weight [Cout, Cin/groups, k, k], bias [Cout] → [N, Cout, oD, oH, oW]
 * (Conv3d's output size for a k×k×k kernel). PyTorch equivalent: the reference `acsconv.operators.ACSConv`
 * (three `F.conv3d` calls with unsqueezed kernels and a concatenation), with its sampling rule.
 */
export function acsConv(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: AcsConvOptions = {}): Tensor {
  const op = 'acsConv';
  const { g, out } = prepareForward(op, x, weight, bias, opts);
  const parts = resolveSplit(op, opts.acsKernelSplit, g.Cout, g.groups);
  return convParts('ACSConv', x, weight, bias, g, out, parts, 'acs');
}

/**
 * The forward ACS and Conv2_5d ops: the given parts computed into their channel slices, bias added, and
 * the input, weight and bias gradients recorded (each only when required).
 */
function convParts(
  name: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  g: AcsGeometry,
  out: readonly number[],
  parts: readonly AcsPart[],
  sampling: AcsSampling,
): Tensor {
  const y = forwardParts(x.data, weight.data, g, parts, sampling, bias?.data ?? null);
  const res = new Tensor(y, [g.N, g.Cout, ...out], 'float32');
  if (!needsGrad(x, weight, ...(bias ? [bias] : []))) return res;
  const xd = weight.requiresGrad ? x.data : null;
  const wd = x.requiresGrad ? weight.data : null;
  return recordConv(
    res,
    name,
    x,
    weight,
    bias,
    (dy) => inputGradParts(dy, wd!, g, parts, sampling),
    (dy) => weightGradParts(xd!, dy, weight.size, g, parts, sampling),
  );
}

/** Options of `softAcsConv`: those of ACS convolution without a split, plus `mean` (MeanACS). */
export interface SoftAcsConvOptions extends AcsCommonOptions {
  /** Average the three planes (MeanACS) instead of weighting them by softmax(softWeights). */
  mean?: boolean;
}

const FULL_PLANES = (c: number): AcsPart[] => [
  { plane: 0, c0: 0, c1: c },
  { plane: 1, c0: 0, c1: c },
  { plane: 2, c0: 0, c1: c },
];

/**
 * SoftACS / MeanACS convolution: every output channel is computed in all three planes with the whole
 * kernel bank and combined by softmax(softWeights [Cout, 3]) along the last axis (or, with `mean`, by
 * 1/3 each). x [N, Cin, D, H, W], weight [Cout, Cin/groups, k, k] → [N, Cout, oD, oH, oW]. PyTorch
 * equivalent: the reference `SoftACSConv` (`soft_w_core`), with `mean=True` its MeanACS.
 */
export function softAcsConv(x: Tensor, weight: Tensor, softWeights: Tensor | null, bias: Tensor | null = null, opts: SoftAcsConvOptions = {}): Tensor {
  const op = 'softAcsConv';
  const { g, out } = prepareForward(op, x, weight, bias, opts);
  const mean = opts.mean ?? false;
  const C = g.Cout;
  if (!mean && !softWeights) throw new ValueError(`${op}: softWeights [${C}, 3] is required unless mean is true`);
  const sw = mean ? null : softWeights;
  if (sw && (sw.ndim !== 2 || sw.shape[0] !== C || sw.shape[1] !== 3)) {
    throw new ShapeError(`${op}: softWeights must have shape [${C}, 3], got ${shapeStr(sw.shape)}`);
  }
  // Per-channel plane weights: softmax over the three views, or 1/3 each.
  const s = allocF32(C * 3).fill(1 / 3);
  if (sw) {
    for (let c = 0; c < C; c++) {
      const z = sw.data.subarray(c * 3, c * 3 + 3);
      const m = Math.max(z[0], z[1], z[2]);
      const e = [Math.exp(z[0] - m), Math.exp(z[1] - m), Math.exp(z[2] - m)];
      const t = e[0] + e[1] + e[2];
      for (let v = 0; v < 3; v++) s[c * 3 + v] = e[v] / t;
    }
  }
  const planes = FULL_PLANES(C);
  const S = out[0] * out[1] * out[2];
  const ys = planes.map((p) => forwardParts(x.data, weight.data, g, [p]));
  const y = allocF32(ySize(g));
  for (let n = 0; n < g.N; n++) {
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * S;
      const [s0, s1, s2] = [s[c * 3], s[c * 3 + 1], s[c * 3 + 2]];
      for (let i = base; i < base + S; i++) y[i] = s0 * ys[0][i] + s1 * ys[1][i] + s2 * ys[2][i];
    }
  }
  if (bias) addChannelInPlace(y, bias.data, g.N, C, S);
  const res = new Tensor(y, [g.N, C, ...out], 'float32');
  const inputs = [x, weight, ...(sw ? [sw] : []), ...(bias ? [bias] : [])];
  if (!needsGrad(...inputs)) return res;
  const keepYs = sw?.requiresGrad ? ys : null;
  const xd = weight.requiresGrad ? x.data : null;
  const wd = x.requiresGrad ? weight.data : null;
  return record(res, mean ? 'MeanACSConv' : 'SoftACSConv', inputs, (grad) => {
    const gd = grad.data;
    const gx = x.requiresGrad ? allocF32(x.size) : null;
    const gw = weight.requiresGrad ? allocF32(weight.size) : null;
    const gyv = allocF32(gd.length);
    planes.forEach((p, v) => {
      for (let n = 0; n < g.N; n++) {
        for (let c = 0; c < C; c++) {
          const sv = s[c * 3 + v];
          const base = (n * C + c) * S;
          for (let i = base; i < base + S; i++) gyv[i] = gd[i] * sv;
        }
      }
      if (gx) acsBackwardInput(gyv, wd!, gx, g, [p]);
      if (gw) acsBackwardWeight(xd!, gyv, gw, g, [p]);
    });
    const out: (Tensor | null)[] = [
      gx ? new Tensor(gx, x.shape, 'float32') : null,
      gw ? new Tensor(gw, weight.shape, 'float32') : null,
    ];
    if (sw) {
      let gs: Tensor | null = null;
      if (keepYs) {
        // d loss / d s[c, v] = Σ g · Y_v, then back through the softmax: s ⊙ (ds − Σ_v s·ds).
        const ds = new Float64Array(C * 3);
        for (let v = 0; v < 3; v++) {
          const yv = keepYs[v];
          for (let n = 0; n < g.N; n++) {
            for (let c = 0; c < C; c++) {
              const base = (n * C + c) * S;
              let acc = 0;
              for (let i = base; i < base + S; i++) acc += gd[i] * yv[i];
              ds[c * 3 + v] += acc;
            }
          }
        }
        const gz = allocF32(C * 3);
        for (let c = 0; c < C; c++) {
          const dot = s[c * 3] * ds[c * 3] + s[c * 3 + 1] * ds[c * 3 + 1] + s[c * 3 + 2] * ds[c * 3 + 2];
          for (let v = 0; v < 3; v++) gz[c * 3 + v] = s[c * 3 + v] * (ds[c * 3 + v] - dot);
        }
        gs = new Tensor(gz, sw.shape, 'float32');
      }
      out.push(gs);
    }
    if (bias) out.push(bias.requiresGrad ? new Tensor(convBackwardBias(gd, g.N, C, S), bias.shape, 'float32') : null);
    return out;
  });
}

/** The unit-kernel axis of a 2.5D convolution: 'D' (kernel 1×k×k), 'H' (k×1×k) or 'W' (k×k×1). */
export type Conv2_5dAxis = 'D' | 'H' | 'W';

export interface Conv2_5dOptions extends AcsCommonOptions {
  /** Unit kernel axis: 'D' | 'H' | 'W', or the reference's unsqueeze_axis 2 | 3 | 4 (or −3 | −2 | −1). Default 'D'. */
  axis?: Conv2_5dAxis | number;
}

/** Normalises a Conv2_5d axis option to 0 (D), 1 (H) or 2 (W). */
export function conv2_5dAxisIndex(axis: Conv2_5dAxis | number | undefined, op = 'conv2_5d'): 0 | 1 | 2 {
  const table: Record<string, 0 | 1 | 2> = { D: 0, H: 1, W: 2, '2': 0, '3': 1, '4': 2, '-3': 0, '-2': 1, '-1': 2 };
  const v = table[String(axis ?? 'D')];
  if (v === undefined) throw new ValueError(`${op}: axis must be 'D', 'H' or 'W' (or 2, 3, 4 / -3, -2, -1), got ${String(axis)}`);
  return v;
}

/**
 * 2.5D convolution: Conv3d with the 2D kernel unsqueezed to a unit extent along `axis` (default D:
 * 1×k×k). x [N, Cin, D, H, W], weight [Cout, Cin/groups, k, k] → Conv3d's output for that kernel;
 * stride/padding/dilation apply per axis exactly as in `F.conv3d`. PyTorch: `F.conv3d(x, w.unsqueeze(2 + axis))`.
 */
export function conv2_5d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2_5dOptions = {}): Tensor {
  const op = 'conv2_5d';
  const a = conv2_5dAxisIndex(opts.axis, op);
  const { g, out } = prepareForward(op, x, weight, bias, opts, (k) => [0, 1, 2].map((i) => (i === a ? 1 : k)));
  const parts: AcsPart[] = [{ plane: a, c0: 0, c1: g.Cout }];
  return convParts('Conv2_5d', x, weight, bias, g, out, parts, 'conv');
}

export interface AcsConvTransposeOptions extends AcsConvOptions {
  /** Extra size added to one side of each output axis (int or triple, each < stride). */
  outputPadding?: number | readonly number[];
}

/**
 * Transposed ACS convolution, the exact adjoint of `acsConv` with the same options:
 * x [N, Cin, D, H, W], weight [Cin, Cout/groups, k, k] (ConvTranspose2d's layout) → [N, Cout, oD, oH, oW]
 * with ConvTranspose3d's output size for a k×k×k kernel. The input channels are split [a, c, s] and the
 * three planes' results are summed. PyTorch has no equivalent (the reference lacks it).
 */
export function acsConvTranspose(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: AcsConvTransposeOptions = {}): Tensor {
  const op = 'acsConvTranspose';
  checkInput(op, x);
  const k = checkWeight(op, weight, '[Cin, Cout/groups, k, k]');
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`${op}: groups must be a positive integer, got ${groups}`);
  const cin = x.shape[1];
  if (weight.shape[0] !== cin) {
    throw new ShapeError(`${op}: input has ${cin} channels but weight ${shapeStr(weight.shape)} expects ${weight.shape[0]} (weight.shape[0])`);
  }
  const cout = weight.shape[1] * groups;
  checkGroups(op, groups, cin, cout, 'input channels (weight.shape[0])', 'output channels');
  checkBias(op, bias, cout);
  const sp = resolveSpatial(op, opts);
  const op3 = tuple(opts.outputPadding ?? 0, 3, op, 'outputPadding', 0);
  for (let i = 0; i < 3; i++) {
    if (op3[i] >= sp.stride[i]) {
      throw new ValueError(`${op}: outputPadding must be smaller than stride on each axis, got outputPadding ${shapeStr(op3)} with stride ${shapeStr(sp.stride)}`);
    }
  }
  const inSp = x.shape.slice(2);
  const outSp = [0, 1, 2].map((i) => (inSp[i] - 1) * sp.stride[i] - 2 * sp.padding[i] + sp.dilation[i] * (k - 1) + op3[i] + 1);
  if (outSp.some((v) => v < 1)) {
    throw new ShapeError(
      `${op}: output size would be ${shapeStr(outSp)} (< 1) for input spatial size ${shapeStr(inSp)}, kernel ${k}, stride ${shapeStr(sp.stride)}, padding ${shapeStr(sp.padding)}, dilation ${shapeStr(sp.dilation)}`,
    );
  }
  // The forward ACS conv this one is the adjoint of: x_f [N, cout, outSp] → y_f [N, cin, inSp].
  const g = geometry([x.shape[0], cout, ...outSp], cin, inSp, k, sp, groups);
  const parts = resolveSplit(op, opts.acsKernelSplit, cin, groups);
  const y = inputGradParts(x.data, weight.data, g, parts);
  const S = outSp[0] * outSp[1] * outSp[2];
  if (bias) addChannelInPlace(y, bias.data, g.N, cout, S);
  const res = new Tensor(y, [g.N, cout, ...outSp], 'float32');
  if (!needsGrad(x, weight, ...(bias ? [bias] : []))) return res;
  const xd = weight.requiresGrad ? x.data : null;
  const wd = x.requiresGrad ? weight.data : null;
  return recordConv(
    res,
    'ACSConvTranspose',
    x,
    weight,
    bias,
    (dy) => forwardParts(dy, wd!, g, parts),
    (dy) => weightGradParts(dy, xd!, weight.size, g, parts),
  );
}
