/** Dropout layers (`nn.Dropout`, `nn.Dropout2d`, `nn.Dropout3d`): active in training mode only. */
import { dropout, dropout2d, dropout3d } from '../ops/dropout.js';
import type { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import { Module } from './module.js';

abstract class DropoutBase extends Module {
  readonly p: number;
  /** Accepted for PyTorch parity; results are never computed in place. */
  readonly inplace: boolean;

  constructor(p = 0.5, { inplace = false }: { inplace?: boolean } = {}) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new ValueError(`${new.target.name}: dropout probability p must be in [0, 1], got ${p}`);
    }
    this.p = p;
    this.inplace = inplace;
  }

  override extraRepr(): string {
    return `p=${this.p}, inplace=${this.inplace ? 'True' : 'False'}`;
  }
}

/** Zeroes elements with probability p, scaling the rest by 1/(1−p), while training. */
export class Dropout extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}

/** Zeroes whole channels of [N, C, H, W] with probability p while training. */
export class Dropout2d extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }
}

/** Zeroes whole channels of [N, C, D, H, W] with probability p while training. */
export class Dropout3d extends DropoutBase {
  forward(x: Tensor): Tensor {
    return dropout3d(x, this.p, this.training);
  }
}
