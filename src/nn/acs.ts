/**
 * ACS layers: 2D-shaped kernel banks that convolve volumes (DESIGN §4). State-dict names follow the
 * reference ACSConv package (`weight`, `bias`, `soft_w_core`), so its checkpoints load by name.
 */
import { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import { tuple } from '../util/shape.js';
import { acsConv, acsConvTranspose, conv2_5d, conv2_5dAxisIndex, type Conv2_5dAxis, softAcsConv } from '../ops/acs.js';
import { resolveSplit, type Triple } from '../ops/acs-args.js';
import { defaultLayerInit_, uniform_ } from './init.js';
import { Module, Parameter } from './module.js';

export interface ACSConvLayerOptions {
  stride?: Triple;
  padding?: Triple;
  dilation?: Triple;
  groups?: number;
  /** Add a learnable bias (default true). */
  bias?: boolean;
  /** Channels per plane [axial, coronal, sagittal]; default remainder-first thirds. */
  acsKernelSplit?: readonly number[];
}

function squareKernel(layer: string, k: number | readonly number[]): number {
  const arr = typeof k === 'number' ? [k, k] : [...k];
  if (arr.length !== 2 || arr[0] !== arr[1] || !Number.isInteger(arr[0]) || arr[0] < 1) {
    throw new ValueError(`${layer}: kernelSize must be a positive int or a square pair [k, k], got ${typeof k === 'number' ? k : `[${arr.join(', ')}]`}`);
  }
  return arr[0];
}

const fmt = (v: readonly number[]): string => `[${v.join(', ')}]`;

function param(shape: number[]): Parameter {
  return new Parameter(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
}

/** Shared fields and initialisation of the forward ACS layers. */
abstract class ACSConvBase extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly dilation: readonly number[];
  readonly groups: number;
  readonly hasBias: boolean;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(layer: string, inChannels: number, outChannels: number, kernelSize: number | readonly number[], o: ACSConvLayerOptions, weightShape?: number[]) {
    super();
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = squareKernel(layer, kernelSize);
    this.stride = tuple(o.stride ?? 1, 3, layer, 'stride', 1);
    this.padding = tuple(o.padding ?? 0, 3, layer, 'padding', 0);
    this.dilation = tuple(o.dilation ?? 1, 3, layer, 'dilation', 1);
    this.groups = o.groups ?? 1;
    for (const [n, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['groups', this.groups]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError(`${layer}: ${n} must be a positive integer, got ${v}`);
    }
    if (inChannels % this.groups || outChannels % this.groups) {
      throw new ValueError(`${layer}: groups ${this.groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
    }
    this.hasBias = o.bias ?? true;
    const k = this.kernelSize;
    this.weight = this.registerParameter('weight', param(weightShape ?? [outChannels, inChannels / this.groups, k, k]));
    const biasLen = weightShape ? weightShape[1] * this.groups : outChannels;
    this.bias = this.registerParameter('bias', this.hasBias ? param([biasLen]) : null);
    defaultLayerInit_(this.weight, this.bias);
  }

  protected baseRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, stride=${fmt(this.stride)}`;
    if (this.padding.some((v) => v !== 0)) s += `, padding=${fmt(this.padding)}`;
    if (this.dilation.some((v) => v !== 1)) s += `, dilation=${fmt(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.hasBias) s += ', bias=false';
    return s;
  }
}

/**
 * ACS convolution layer: x [N, inChannels, D, H, W] → [N, outChannels, oD, oH, oW], weight
 * [outChannels, inChannels/groups, k, k]. PyTorch equivalent: `acsconv.operators.ACSConv`.
 */
export class ACSConv extends ACSConvBase {
  readonly acsKernelSplit: readonly [number, number, number];

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], opts: ACSConvLayerOptions = {}) {
    super('ACSConv', inChannels, outChannels, kernelSize, opts);
    const parts = resolveSplit('ACSConv', opts.acsKernelSplit, outChannels, this.groups);
    this.acsKernelSplit = parts.map((p) => p.c1 - p.c0) as [number, number, number];
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups, acsKernelSplit } = this;
    return acsConv(x, this.weight, this.bias, { stride, padding, dilation, groups, acsKernelSplit });
  }

  override extraRepr(): string {
    return `${this.baseRepr()}, acsKernelSplit=${fmt(this.acsKernelSplit)}`;
  }
}

export interface SoftACSConvLayerOptions extends Omit<ACSConvLayerOptions, 'acsKernelSplit'> {
  /** MeanACS: average the three planes; no `soft_w_core` parameter. */
  mean?: boolean;
}

/**
 * SoftACS (or, with `mean`, MeanACS) layer: every output channel in all three planes, mixed by
 * softmax(`soft_w_core` [outChannels, 3]) (initialised uniform in [0, 1) as the reference's torch.rand).
 * PyTorch equivalent: the reference `SoftACSConv`.
 */
export class SoftACSConv extends ACSConvBase {
  readonly mean: boolean;
  readonly softWCore: Parameter | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], opts: SoftACSConvLayerOptions = {}) {
    super('SoftACSConv', inChannels, outChannels, kernelSize, opts);
    this.mean = opts.mean ?? false;
    this.softWCore = this.mean ? null : this.registerParameter('soft_w_core', uniform_(param([outChannels, 3]), 0, 1));
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups, mean } = this;
    return softAcsConv(x, this.weight, this.softWCore, this.bias, { stride, padding, dilation, groups, mean });
  }

  override extraRepr(): string {
    return `${this.baseRepr()}, ${this.mean ? 'mean=true' : 'softmax over [axial, coronal, sagittal]'}`;
  }
}

export interface Conv2_5dLayerOptions extends Omit<ACSConvLayerOptions, 'acsKernelSplit'> {
  /** The unit kernel axis: 'D' (1×k×k, default), 'H' or 'W'; or the reference's unsqueeze_axis. */
  axis?: Conv2_5dAxis | number;
}

/**
 * 2.5D convolution layer: Conv3d with the 2D kernel unsqueezed along `axis`; weight [out, in/groups, k, k].
 * As in the reference `Conv2_5d`, an int padding pads only the two convolved axes, while an int stride
 * or dilation applies to all three (Conv3d's reading). PyTorch: `nn.Conv3d` with kernel (1, k, k).
 */
export class Conv2_5d extends ACSConvBase {
  readonly axis: Conv2_5dAxis;

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], opts: Conv2_5dLayerOptions = {}) {
    const a = conv2_5dAxisIndex(opts.axis, 'Conv2_5d');
    const padding = typeof opts.padding === 'number' ? [0, 1, 2].map((i) => (i === a ? 0 : (opts.padding as number))) : opts.padding;
    super('Conv2_5d', inChannels, outChannels, kernelSize, { ...opts, padding });
    this.axis = (['D', 'H', 'W'] as const)[a];
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups, axis } = this;
    return conv2_5d(x, this.weight, this.bias, { stride, padding, dilation, groups, axis });
  }

  override extraRepr(): string {
    return `${this.baseRepr()}, axis=${this.axis}`;
  }
}

export interface ACSConvTransposeLayerOptions extends ACSConvLayerOptions {
  outputPadding?: Triple;
}

/**
 * Transposed ACS layer (the adjoint of ACSConv): x [N, inChannels, D, H, W] → [N, outChannels, ...],
 * weight [inChannels, outChannels/groups, k, k] as `nn.ConvTranspose2d`; the input channels are split.
 * The reference package has no equivalent.
 */
export class ACSConvTranspose extends ACSConvBase {
  readonly acsKernelSplit: readonly [number, number, number];
  readonly outputPadding: readonly number[];

  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], opts: ACSConvTransposeLayerOptions = {}) {
    const k = squareKernel('ACSConvTranspose', kernelSize);
    const g = opts.groups ?? 1;
    if (!Number.isInteger(g) || g < 1 || outChannels % g) {
      throw new ValueError(`ACSConvTranspose: groups ${g} must be a positive integer dividing outChannels ${outChannels}`);
    }
    super('ACSConvTranspose', inChannels, outChannels, k, opts, [inChannels, outChannels / g, k, k]);
    const parts = resolveSplit('ACSConvTranspose', opts.acsKernelSplit, inChannels, this.groups);
    this.acsKernelSplit = parts.map((p) => p.c1 - p.c0) as [number, number, number];
    this.outputPadding = tuple(opts.outputPadding ?? 0, 3, 'ACSConvTranspose', 'outputPadding', 0);
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, outputPadding, dilation, groups, acsKernelSplit } = this;
    return acsConvTranspose(x, this.weight, this.bias, { stride, padding, outputPadding, dilation, groups, acsKernelSplit });
  }

  override extraRepr(): string {
    const op = this.outputPadding.some((v) => v !== 0) ? `, outputPadding=${fmt(this.outputPadding)}` : '';
    return `${this.baseRepr()}${op}, acsKernelSplit=${fmt(this.acsKernelSplit)}`;
  }
}
