/** Activation layers (torch.nn's), thin wrappers over the functional ops in src/ops/activation.ts. */
import * as A from '../ops/activation.js';
import type { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import { Module } from './module.js';

/**
 * Base of the element-wise activations that PyTorch gives an `inplace` flag. The flag is kept (and
 * printed) so converted models read like their PyTorch originals, but results are never computed in
 * place: tensors may be shared.
 */
abstract class InplaceActivation extends Module {
  readonly inplace: boolean;

  constructor({ inplace = false }: { inplace?: boolean } = {}) {
    super();
    this.inplace = inplace;
  }

  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** max(x, 0) (`nn.ReLU`). */
export class ReLU extends InplaceActivation {
  forward(x: Tensor): Tensor {
    return A.relu(x);
  }
}

/** Leaky ReLU (`nn.LeakyReLU(negative_slope=0.01)`). */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;

  constructor(negativeSlope = 0.01, { inplace = false }: { inplace?: boolean } = {}) {
    super();
    if (typeof negativeSlope !== 'number' || Number.isNaN(negativeSlope)) {
      throw new ValueError(`LeakyReLU: negativeSlope must be a number, got ${negativeSlope}`);
    }
    this.negativeSlope = negativeSlope;
    this.inplace = inplace;
  }

  forward(x: Tensor): Tensor {
    return A.leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}${this.inplace ? ', inplace=True' : ''}`;
  }
}

/** Logistic sigmoid (`nn.Sigmoid`). */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return A.sigmoid(x);
  }
}

/** Hyperbolic tangent (`nn.Tanh`). */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return A.tanh(x);
  }
}

/** GELU (`nn.GELU(approximate='none')`); `approximate: 'tanh'` for the tanh form. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor({ approximate = 'none' }: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') {
      throw new ValueError(`GELU: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
    }
    this.approximate = approximate;
  }

  forward(x: Tensor): Tensor {
    return A.gelu(x, this.approximate);
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** x·relu6(x + 3)/6 (`nn.Hardswish`). */
export class Hardswish extends InplaceActivation {
  forward(x: Tensor): Tensor {
    return A.hardswish(x);
  }
}

/** relu6(x + 3)/6 (`nn.Hardsigmoid`). */
export class Hardsigmoid extends InplaceActivation {
  forward(x: Tensor): Tensor {
    return A.hardsigmoid(x);
  }
}

/** x·σ(x) (`nn.SiLU`). */
export class SiLU extends InplaceActivation {
  forward(x: Tensor): Tensor {
    return A.silu(x);
  }
}

/** Softmax along `dim` (`nn.Softmax(dim)`). */
export class Softmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    if (!Number.isInteger(dim)) throw new ValueError(`Softmax: dim must be an integer, got ${dim}`);
    this.dim = dim;
  }

  forward(x: Tensor): Tensor {
    return A.softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
