import { ValueError } from '../util/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Runs its children in order (`torch.nn.Sequential`); children are named '0', '1', …. */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers.map((m, i) => this.registerModule(String(i), m));
  }

  forward(x: Tensor): Tensor {
    for (const m of this.layers) x = m.forward(x);
    return x;
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
