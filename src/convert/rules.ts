/**
 * The conversion rules: one entry per 2D layer class. Targets differ only in argument translation
 * (2D → 3D options) and weight treatment: keep (ACS, SoftACS), unsqueeze (2.5D), inflate (I3D).
 */
import { ShapeError, UnsupportedError } from '../util/errors.js';
import { Module } from '../nn/module.js';
import * as nn from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';

export type Target = 'acs' | 'softacs' | '2.5d' | '3d';
/** The 5-D axis (2 = D, 3 = H, 4 = W) of a 2.5D unit kernel or an I3D repeat. */
export type Axis = 2 | 3 | 4;

export interface RuleContext {
  target: Target;
  /** SoftACS: plain mean of the three views instead of learned weights (MeanACS). */
  mean: boolean;
  /** 2.5D: the axis with kernel size 1. */
  axis: Axis;
  /** I3D: repeat 2D kernels k times along this axis (divided by k); absent: fresh Conv3d init. */
  i3dRepeatAxis?: Axis;
  /** Dotted path of the layer in the model, for error messages. */
  path: string;
}

/** Builds the converted layer from a (cloned) 2D layer. */
export type Rule = (m: Module, ctx: RuleContext) => Module;

type Num2 = number | readonly number[];

/** A square 2D argument as one number (ACS and cubic 3D kernels need k×k); else an error naming the layer. */
function square(v: Num2 | null | undefined, name: string, ctx: RuleContext): number {
  if (typeof v === 'number') return v;
  if (!v || v.length === 0) throw new UnsupportedError(`convert: ${ctx.path}: ${name} is empty`);
  if (v.some((x) => x !== v[0])) {
    throw new UnsupportedError(`convert: ${ctx.path}: non-square ${name} [${v.join(', ')}] cannot be extended to three axes`);
  }
  return v[0];
}

/** A 3-tuple with `unit` at the 2.5D axis and `v` elsewhere. */
/** An adaptive output size for three axes: equal entries (None = keep input size) extend, others do not. */
function adaptive3(v: number | readonly (number | null)[], ctx: RuleContext): number | (number | null)[] {
  if (typeof v === 'number') return v;
  if (v.some((x) => x !== v[0])) {
    throw new UnsupportedError(`convert: ${ctx.path}: non-square outputSize [${v.join(', ')}] cannot be extended to three axes`);
  }
  return [v[0], v[0], v[0]];
}

function withAxis(v: number, unit: number, axis: Axis): [number, number, number] {
  const t: [number, number, number] = [v, v, v];
  t[axis - 2] = unit;
  return t;
}

function param(m: Module, name: string): Tensor | null {
  return m.getParameter(name);
}

/** Copies a parameter's values (flat; shapes may differ only by unit axes, as for 2.5D). */
function copyParam(src: Module, dst: Module, name: string, ctx: RuleContext): void {
  const s = param(src, name);
  const d = param(dst, name);
  if (!s && !d) return;
  if (!s || !d || s.size !== d.size) {
    throw new ShapeError(`convert: ${ctx.path}.${name}: cannot carry over (${s?.shape.join('×') ?? 'none'} → ${d?.shape.join('×') ?? 'none'})`);
  }
  d.data.set(s.data);
}

/** I3D inflation: w2 [O, I, k, k] repeated along `axis` of [O, I, k, k, k], divided by k. */
export function inflate(w2: Tensor, w3: Tensor, axis: Axis): void {
  const [o, i, k] = w2.shape;
  const src = w2.data;
  const dst = w3.data;
  for (let oi = 0; oi < o * i; oi++) {
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        for (let c = 0; c < k; c++) {
          // the two spatial coordinates that are not the repeat axis index the 2D kernel
          const [p, q] = axis === 2 ? [b, c] : axis === 3 ? [a, c] : [a, b];
          dst[((oi * k + a) * k + b) * k + c] = src[(oi * k + p) * k + q] / k;
        }
      }
    }
  }
}

/** w2 [A, B, k, k] → w3 [A, B, ...] with `reps` copies along `axis` (kernel 1×k×k repeated, not divided). */
function repeatAlong(w2: Tensor, w3: Tensor, axis: Axis, reps: number): void {
  const [a, b, k] = w2.shape;
  const ext = withAxis(k, reps, axis);
  const [e0, e1, e2] = ext;
  for (let ab = 0; ab < a * b; ab++) {
    for (let i = 0; i < e0; i++) {
      for (let j = 0; j < e1; j++) {
        for (let l = 0; l < e2; l++) {
          const [p, q] = axis === 2 ? [j, l] : axis === 3 ? [i, l] : [i, j];
          w3.data[((ab * e0 + i) * e1 + j) * e2 + l] = w2.data[(ab * k + p) * k + q];
        }
      }
    }
  }
}

function convRule(m: Module, ctx: RuleContext): Module {
  const c = m as nn.Conv2d;
  const k = square(c.kernelSize, 'kernelSize', ctx);
  const opts = {
    stride: square(c.stride, 'stride', ctx),
    padding: square(c.padding, 'padding', ctx),
    dilation: square(c.dilation, 'dilation', ctx),
    groups: c.groups,
    bias: c.hasBias,
  };
  let out: Module;
  switch (ctx.target) {
    case 'acs':
      out = new nn.ACSConv(c.inChannels, c.outChannels, k, opts);
      break;
    case 'softacs':
      out = new nn.SoftACSConv(c.inChannels, c.outChannels, k, { ...opts, mean: ctx.mean });
      break;
    case '2.5d':
      out = new nn.Conv2_5d(c.inChannels, c.outChannels, k, { ...opts, axis: ctx.axis });
      break;
    case '3d': {
      const c3 = new nn.Conv3d(c.inChannels, c.outChannels, k, opts);
      if (ctx.i3dRepeatAxis === undefined) return c3; // fresh init, as the reference
      inflate(param(c, 'weight')!, param(c3, 'weight')!, ctx.i3dRepeatAxis);
      copyParam(c, c3, 'bias', ctx);
      return c3;
    }
  }
  copyParam(c, out, 'weight', ctx);
  copyParam(c, out, 'bias', ctx);
  return out;
}

function convTransposeRule(m: Module, ctx: RuleContext): Module {
  const c = m as nn.ConvTranspose2d;
  const k = square(c.kernelSize, 'kernelSize', ctx);
  const stride = square(c.stride, 'stride', ctx);
  const padding = square(c.padding, 'padding', ctx);
  const outputPadding = square(c.outputPadding, 'outputPadding', ctx);
  const dilation = square(c.dilation, 'dilation', ctx);
  const base = { groups: c.groups, bias: c.hasBias, dilation };
  let out: Module;
  switch (ctx.target) {
    case 'acs':
    case 'softacs': // no soft transposed variant: the decoder uses the ACS adjoint
      out = new nn.ACSConvTranspose(c.inChannels, c.outChannels, k, { ...base, stride, padding, outputPadding });
      break;
    case '2.5d': {
      // Each slice is upsampled on its own; along the unit axis the kernel spans `stride` slices with
      // the same 2D kernel (a nearest-neighbour ×stride), so D follows the encoder's 3D pooling.
      const t = new nn.ConvTranspose3d(c.inChannels, c.outChannels, withAxis(k, stride, ctx.axis), {
        ...base,
        dilation: withAxis(dilation, 1, ctx.axis),
        stride,
        padding: withAxis(padding, 0, ctx.axis),
        outputPadding: withAxis(outputPadding, 0, ctx.axis),
      });
      repeatAlong(param(c, 'weight')!, param(t, 'weight')!, ctx.axis, stride);
      copyParam(c, t, 'bias', ctx);
      return t;
    }
    case '3d': {
      const c3 = new nn.ConvTranspose3d(c.inChannels, c.outChannels, k, { ...base, stride, padding, outputPadding });
      if (ctx.i3dRepeatAxis === undefined) return c3;
      inflate(param(c, 'weight')!, param(c3, 'weight')!, ctx.i3dRepeatAxis);
      copyParam(c, c3, 'bias', ctx);
      return c3;
    }
  }
  copyParam(c, out, 'weight', ctx);
  copyParam(c, out, 'bias', ctx);
  return out;
}

/** Carries over every parameter and buffer (BN statistics included) by state-dict key. */
function withState(src: Module, dst: Module): Module {
  dst.loadStateDict(src.stateDict(), { strict: true });
  dst.train(src.training);
  return dst;
}

const keep: Rule = (m) => m;

/**
 * A Linear whose input may be a flattened 2D feature map: on a size mismatch it names the layer and
 * the likely cause instead of a bare shape error. Same keys and arithmetic as Linear.
 */
export class GuardedLinear extends nn.Linear {
  convertedPath = '';

  override forward(x: Tensor): Tensor {
    const got = x.shape[x.shape.length - 1];
    if (got !== this.inFeatures) {
      throw new ShapeError(
        `${this.convertedPath || 'Linear'} (Linear): expects ${this.inFeatures} input features, got ${got} (input shape ` +
          `[${x.shape.join(', ')}]). If it follows a Flatten of a feature map, its size was fixed by the 2D spatial ` +
          `dims and cannot follow the third axis: use global pooling (AdaptiveAvgPool to 1) before the classifier head.`,
      );
    }
    return super.forward(x);
  }
}

const linearRule: Rule = (m, ctx) => {
  Object.setPrototypeOf(m, GuardedLinear.prototype); // m is already a private clone
  (m as GuardedLinear).convertedPath = ctx.path;
  return m;
};

/** Layer class → rule. Classes not listed (and not containers) are an UnsupportedError. */
export const RULES = new Map<abstract new (...args: never[]) => Module, Rule>([
  [nn.Conv2d, convRule],
  [nn.ConvTranspose2d, convTransposeRule],
  [nn.BatchNorm2d, (m, ctx) => {
    const b = m as nn.BatchNorm2d;
    void ctx;
    return withState(b, new nn.BatchNorm3d(b.numFeatures, { eps: b.eps, momentum: b.momentum, affine: b.affine, trackRunningStats: b.trackRunningStats }));
  }],
  [nn.InstanceNorm2d, (m) => {
    const b = m as nn.InstanceNorm2d;
    return withState(b, new nn.InstanceNorm3d(b.numFeatures, { eps: b.eps, momentum: b.momentum, affine: b.affine, trackRunningStats: b.trackRunningStats }));
  }],
  [nn.MaxPool2d, (m, ctx) => {
    const p = m as nn.MaxPool2d;
    return new nn.MaxPool3d(square(p.kernelSize, 'kernelSize', ctx), {
      stride: square(p.stride, 'stride', ctx),
      padding: square(p.padding, 'padding', ctx),
      dilation: square(p.dilation, 'dilation', ctx),
      ceilMode: p.ceilMode,
    });
  }],
  [nn.AvgPool2d, (m, ctx) => {
    const p = m as nn.AvgPool2d;
    return new nn.AvgPool3d(square(p.kernelSize, 'kernelSize', ctx), {
      stride: square(p.stride, 'stride', ctx),
      padding: square(p.padding, 'padding', ctx),
      ceilMode: p.ceilMode,
      countIncludePad: p.countIncludePad,
    });
  }],
  [nn.AdaptiveAvgPool2d, (m, ctx) => new nn.AdaptiveAvgPool3d(adaptive3((m as nn.AdaptiveAvgPool2d).outputSize, ctx))],
  [nn.AdaptiveMaxPool2d, (m, ctx) => new nn.AdaptiveMaxPool3d(adaptive3((m as nn.AdaptiveMaxPool2d).outputSize, ctx))],
  [nn.Upsample, (m, ctx) => {
    const u = m as nn.Upsample;
    const mode = u.mode === 'bilinear' ? 'trilinear' : u.mode;
    if (mode !== 'trilinear' && mode !== 'nearest') throw new UnsupportedError(`convert: ${ctx.path}: Upsample mode '${u.mode}' has no 3D form`);
    const size = u.size === undefined || u.size === null ? undefined : square(u.size, 'size', ctx);
    const scaleFactor = u.scaleFactor === undefined || u.scaleFactor === null ? undefined : square(u.scaleFactor, 'scaleFactor', ctx);
    return new nn.Upsample({ size, scaleFactor, mode, alignCorners: u.alignCorners });
  }],
  [nn.Dropout2d, (m) => new nn.Dropout3d((m as nn.Dropout2d).p)],
  [nn.Linear, linearRule],
  [GuardedLinear, keep],
  // dimension-free layers, and layers that are already 3D
  ...[
    nn.GroupNorm, nn.Dropout, nn.Dropout3d, nn.Identity, nn.Flatten,
    nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.GELU, nn.SiLU, nn.Hardswish, nn.Hardsigmoid, nn.Softmax,
    nn.Conv3d, nn.ConvTranspose3d, nn.ACSConv, nn.SoftACSConv, nn.Conv2_5d, nn.ACSConvTranspose,
    nn.BatchNorm3d, nn.InstanceNorm3d, nn.MaxPool3d, nn.AvgPool3d, nn.AdaptiveAvgPool3d, nn.AdaptiveMaxPool3d,
    nn.BatchNorm1d,
  ].map((cls) => [cls, keep] as [abstract new (...args: never[]) => Module, Rule]),
]);

/** The rule for `m`'s exact class (a subclass may override forward, so it is not assumed safe). */
export function ruleFor(m: Module): Rule | undefined {
  return RULES.get(m.constructor as abstract new (...args: never[]) => Module);
}

/** Containers whose forward only composes children: converted by converting their children. */
export function isContainer(m: Module): boolean {
  if (m instanceof nn.Sequential || m instanceof nn.ModuleList) return true;
  // a composite (model or block) without state of its own: its children carry all the weights
  return m.children().length > 0 && [...m.stateDict().keys()].every((k) => k.includes('.'));
}
