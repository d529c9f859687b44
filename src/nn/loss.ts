import type { Tensor } from '../tensor/tensor.js';
import {
  bceWithLogits,
  crossEntropy,
  focalLoss,
  mseLoss,
  softDiceLoss,
  type Reduction,
} from '../ops/loss.js';
import { Module } from './module.js';

/** `torch.nn.CrossEntropyLoss`: logits [N, C, …] and int32 targets [N, …]; `weight` is a buffer. */
export class CrossEntropyLoss extends Module {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  readonly reduction: Reduction;
  constructor(
    opts: { weight?: Tensor | null; ignoreIndex?: number; labelSmoothing?: number; reduction?: Reduction } = {},
  ) {
    super();
    this.weight = this.registerBuffer('weight', opts.weight ?? null);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
    this.reduction = opts.reduction ?? 'mean';
  }

  forward(input: Tensor, target: Tensor<'int32'>): Tensor {
    return crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      labelSmoothing: this.labelSmoothing,
      reduction: this.reduction,
    });
  }

  override extraRepr(): string {
    return `ignoreIndex=${this.ignoreIndex}, labelSmoothing=${this.labelSmoothing}, reduction=${this.reduction}`;
  }
}

/** `torch.nn.BCEWithLogitsLoss`: `weight` and `pos_weight` are buffers, broadcast to the input. */
export class BCEWithLogitsLoss extends Module {
  readonly weight: Tensor | null;
  readonly posWeight: Tensor | null;
  readonly reduction: Reduction;
  constructor(opts: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}) {
    super();
    this.weight = this.registerBuffer('weight', opts.weight ?? null);
    this.posWeight = this.registerBuffer('pos_weight', opts.posWeight ?? null);
    this.reduction = opts.reduction ?? 'mean';
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return bceWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }

  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}

/** Soft Dice loss of the reference ACSConv experiments (see `F.softDiceLoss`); no PyTorch module. */
export class SoftDiceLoss extends Module {
  readonly smooth: number;
  readonly divideBy: 'allClasses' | 'presentClasses';
  constructor(opts: { smooth?: number; divideBy?: 'allClasses' | 'presentClasses' } = {}) {
    super();
    this.smooth = opts.smooth ?? 1;
    this.divideBy = opts.divideBy ?? 'allClasses';
  }

  forward(input: Tensor, target: Tensor<'int32'>): Tensor {
    return softDiceLoss(input, target, { smooth: this.smooth, divideBy: this.divideBy });
  }

  override extraRepr(): string {
    return `smooth=${this.smooth}, divideBy=${this.divideBy}`;
  }
}

/** Multi-class softmax focal loss (see `F.focalLoss`); no PyTorch module. */
export class FocalLoss extends Module {
  readonly gamma: number;
  readonly alpha: readonly number[] | null;
  readonly reduction: Reduction;
  constructor(opts: { gamma?: number; alpha?: readonly number[] | null; reduction?: Reduction } = {}) {
    super();
    this.gamma = opts.gamma ?? 2;
    this.alpha = opts.alpha ? [...opts.alpha] : null;
    this.reduction = opts.reduction ?? 'mean';
  }

  forward(input: Tensor, target: Tensor<'int32'>): Tensor {
    return focalLoss(input, target, { gamma: this.gamma, alpha: this.alpha, reduction: this.reduction });
  }

  override extraRepr(): string {
    return `gamma=${this.gamma}${this.alpha ? `, alpha=[${this.alpha.join(', ')}]` : ''}, reduction=${this.reduction}`;
  }
}

/** `torch.nn.MSELoss`. */
export class MSELoss extends Module {
  readonly reduction: Reduction;
  constructor(opts: { reduction?: Reduction } = {}) {
    super();
    this.reduction = opts.reduction ?? 'mean';
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }

  override extraRepr(): string {
    return `reduction=${this.reduction}`;
  }
}
