/** Convolution layers (torch.nn.Conv2d, Conv3d, ConvTranspose2d, ConvTranspose3d). */
import { conv2d, conv3d, convTranspose2d, convTranspose3d } from '../ops/conv.js';
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { numel, shapeStr, tuple } from '../util/shape.js';
import { defaultLayerInit_ } from './init.js';
import { Module, Parameter } from './module.js';

export interface ConvLayerOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[];
  dilation?: number | readonly number[];
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

export interface ConvTransposeLayerOptions extends ConvLayerOptions {
  outputPadding?: number | readonly number[];
}

const pyTuple = (v: readonly number[]): string => `(${v.join(', ')}${v.length === 1 ? ',' : ''})`;

/**
 * Shared state of the convolution layers: PyTorch's `_ConvNd`. Options are kept as readonly fields
 * (tuples, one entry per spatial dim) for converters and exporters to read.
 */
export abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[];
  readonly dilation: readonly number[];
  readonly groups: number;
  readonly outputPadding: readonly number[];
  readonly hasBias: boolean;
  readonly transposed: boolean;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  protected constructor(
    name: string,
    nd: number,
    transposed: boolean,
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    opts: ConvTransposeLayerOptions,
  ) {
    super();
    const { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true, outputPadding = 0 } = opts;
    for (const [k, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['groups', groups]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError(`${name}: ${k} must be a positive integer, got ${v}`);
    }
    if (inChannels % groups) throw new ValueError(`${name}: inChannels ${inChannels} must be divisible by groups ${groups}`);
    if (outChannels % groups) throw new ValueError(`${name}: outChannels ${outChannels} must be divisible by groups ${groups}`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = Object.freeze(tuple(kernelSize, nd, name, 'kernelSize', 1));
    this.stride = Object.freeze(tuple(stride, nd, name, 'stride', 1));
    this.padding = Object.freeze(tuple(padding, nd, name, 'padding', 0));
    this.dilation = Object.freeze(tuple(dilation, nd, name, 'dilation', 1));
    this.outputPadding = Object.freeze(tuple(outputPadding, nd, name, 'outputPadding', 0));
    this.outputPadding.forEach((p, i) => {
      if (p >= this.stride[i] && p >= this.dilation[i]) {
        throw new ValueError(`${name}: outputPadding must be smaller than either stride or dilation, got ${shapeStr(this.outputPadding)}`);
      }
    });
    this.groups = groups;
    this.hasBias = bias;
    this.transposed = transposed;
    // PyTorch's layouts: [out, in/groups, k...] for a convolution, [in, out/groups, k...] for a transposed one.
    const wShape = transposed
      ? [inChannels, outChannels / groups, ...this.kernelSize]
      : [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = this.registerParameter('weight', new Parameter(new Float32Array(numel(wShape)), wShape));
    this.bias = this.registerParameter('bias', bias ? new Parameter(new Float32Array(outChannels), [outChannels]) : null);
    this.resetParameters();
  }

  /** PyTorch's default initialisation (kaiming-uniform a = √5; bias ±1/√fan_in from the weight's dim 1). */
  resetParameters(): void {
    defaultLayerInit_(this.weight, this.bias);
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (this.padding.some((p) => p !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    return s;
  }

  protected convOptions(): { stride: readonly number[]; padding: readonly number[]; dilation: readonly number[]; groups: number } {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  /**
   * The output padding that makes a transposed convolution produce `outputSize` (spatial dims, or the
   * full shape), as PyTorch's `_output_padding`; the layer's own outputPadding when none is given.
   */
  protected outputPaddingFor(x: Tensor, outputSize: readonly number[] | undefined): readonly number[] {
    if (!outputSize) return this.outputPadding;
    const nd = this.kernelSize.length;
    const size = outputSize.length === nd + 2 ? outputSize.slice(2) : [...outputSize];
    const name = this.constructor.name;
    if (size.length !== nd || x.ndim !== nd + 2) {
      throw new ShapeError(`${name}: outputSize must have ${nd} or ${nd + 2} entries for a rank-${nd + 2} input, got ${shapeStr(outputSize)}`);
    }
    return size.map((want, i) => {
      const min = (x.shape[2 + i] - 1) * this.stride[i] - 2 * this.padding[i] + this.dilation[i] * (this.kernelSize[i] - 1) + 1;
      const max = min + this.stride[i] - 1;
      if (want < min || want > max) {
        throw new ValueError(`${name}: requested output size ${shapeStr(size)} is not in [${min}, ${max}] along spatial dim ${i}`);
      }
      return want - min;
    });
  }
}

/** 2-D convolution layer: [N, inC, H, W] → [N, outC, oH, oW]; torch.nn.Conv2d (zero padding only). */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], opts: ConvLayerOptions = {}) {
    super('Conv2d', 2, false, inChannels, outChannels, kernelSize, opts);
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.convOptions());
  }
}

/** 3-D convolution layer: [N, inC, D, H, W] → [N, outC, oD, oH, oW]; torch.nn.Conv3d (zero padding only). */
export class Conv3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], opts: ConvLayerOptions = {}) {
    super('Conv3d', 3, false, inChannels, outChannels, kernelSize, opts);
  }

  forward(x: Tensor): Tensor {
    return conv3d(x, this.weight, this.bias, this.convOptions());
  }
}

/** Transposed 2-D convolution layer: [N, inC, H, W] → [N, outC, oH, oW]; torch.nn.ConvTranspose2d. */
export class ConvTranspose2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], opts: ConvTransposeLayerOptions = {}) {
    super('ConvTranspose2d', 2, true, inChannels, outChannels, kernelSize, opts);
  }

  /** `outputSize` (spatial or full shape) picks the output padding, as PyTorch's `output_size`. */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    return convTranspose2d(x, this.weight, this.bias, { ...this.convOptions(), outputPadding: this.outputPaddingFor(x, outputSize) });
  }
}

/** Transposed 3-D convolution layer: [N, inC, D, H, W] → [N, outC, oD, oH, oW]; torch.nn.ConvTranspose3d. */
export class ConvTranspose3d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly number[], opts: ConvTransposeLayerOptions = {}) {
    super('ConvTranspose3d', 3, true, inChannels, outChannels, kernelSize, opts);
  }

  /** `outputSize` (spatial or full shape) picks the output padding, as PyTorch's `output_size`. */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    return convTranspose3d(x, this.weight, this.bias, { ...this.convOptions(), outputPadding: this.outputPaddingFor(x, outputSize) });
  }
}
