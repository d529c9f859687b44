/** Dense and pass-through layers: `nn.Linear`, `nn.Identity`, `nn.Flatten`. */
import { linear } from '../ops/linear.js';
import { flatten } from '../ops/shape.js';
import { zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import { defaultLayerInit_ } from './init.js';
import { Module, Parameter } from './module.js';

/**
 * y = x·Wᵀ + b over the last dim (`nn.Linear(in_features, out_features, bias=True)`): x [..., in] →
 * [..., out]; weight [out, in], bias [out]; PyTorch's default initialisation.
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, { bias = true }: { bias?: boolean } = {}) {
    super();
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new ValueError(`Linear: ${name} must be a non-negative integer, got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = this.registerParameter('weight', Parameter.from(zeros([outFeatures, inFeatures])));
    this.bias = this.registerParameter('bias', bias ? Parameter.from(zeros([outFeatures])) : null);
    this.resetParameters();
  }

  /** PyTorch's `reset_parameters`: kaiming-uniform(a=√5) weight, bias uniform in ±1/√in. */
  resetParameters(): void {
    if (this.inFeatures > 0) defaultLayerInit_(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'}`;
  }
}

/** Returns its input (`nn.Identity`); constructor arguments are ignored, as PyTorch's. */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Flattens dims startDim..endDim (`nn.Flatten(start_dim=1, end_dim=-1)`). */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}
