import { ValueError } from '../util/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { ReLU } from './activation.js';
import { Module } from './module.js';
import { BatchNormNd } from './norm.js';

/**
 * Whether `a` then `b` is a batch norm followed by a ReLU that can run as one pass (BatchNormNd.forwardReLU:
 * the activation's full-size intermediate is never written or read back). Only when neither forward is
 * replaced: a subclass's or a per-instance one (summarize records each layer that way) runs as written.
 */
function fusesWithReLU(a: Module, b: Module): boolean {
  return a instanceof BatchNormNd && a.forward === BatchNormNd.prototype.forward && b instanceof ReLU && b.forward === ReLU.prototype.forward;
}

/** `relu.forward(norm.forward(x))`, fused into one pass when `norm` is a batch norm and `relu` a ReLU. */
export function normThenReLU(norm: Module, relu: Module, x: Tensor): Tensor {
  return fusesWithReLU(norm, relu) ? (norm as BatchNormNd).forwardReLU(x) : relu.forward(norm.forward(x));
}

/** Runs `layers` in order on x, a batch norm and the ReLU right after it as one pass (Sequential's forward). */
export function runLayers(layers: readonly Module[], x: Tensor): Tensor {
  for (let i = 0; i < layers.length; i++) {
    if (i + 1 < layers.length && fusesWithReLU(layers[i], layers[i + 1])) {
      x = (layers[i] as BatchNormNd).forwardReLU(x);
      i++;
    } else {
      x = layers[i].forward(x);
    }
  }
  return x;
}

/**
 * Runs its children in order (`torch.nn.Sequential`); children are named '0', '1', …. A BatchNorm followed
 * by a ReLU runs as one fused pass, with the same results.
 */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers.map((m, i) => this.registerModule(String(i), m));
  }

  forward(x: Tensor): Tensor {
    return runLayers(this.layers, x);
  }

  get length(): number {
    return this.layers.length;
  }

  at(i: number): Module {
    const m = this.layers[i < 0 ? this.layers.length + i : i];
    if (!m) throw new ValueError(`Sequential.at: index ${i} out of range (length ${this.layers.length})`);
    return m;
  }
}

/** A list of registered children (`torch.nn.ModuleList`); has no forward of its own. */
export class ModuleList extends Module {
  readonly items: Module[] = [];

  constructor(items: Module[] = []) {
    super();
    for (const m of items) this.append(m);
  }

  append(m: Module): this {
    this.items.push(this.registerModule(String(this.items.length), m));
    return this;
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): Module {
    const m = this.items[i < 0 ? this.items.length + i : i];
    if (!m) throw new ValueError(`ModuleList.at: index ${i} out of range (length ${this.items.length})`);
    return m;
  }

  forward(): Tensor {
    throw new ValueError('ModuleList has no forward; iterate over its items');
  }
}
