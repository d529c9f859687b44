import { loadSafetensors } from '../io/safetensors.js';
import { runLayers } from '../nn/containers.js';
import { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';

/** Options every zoo model accepts. */
export interface ZooOptions {
  /** Output classes (segmenters: output channels). */
  numClasses?: number;
  /** Input channels (3 for RGB-pretrained weights, 1 for CT/MRI). */
  inChannels?: number;
  /** A safetensors file with the model's state dict (PyTorch key names), loaded strictly. */
  weights?: string;
}

/**
 * A sequence of named children (torch's `nn.Sequential(OrderedDict(...))`), for torchvision
 * structures whose state-dict keys use names such as `features.conv0.weight`.
 */
export class NamedSequential extends Module {
  readonly layers: Module[];

  constructor(entries: [string, Module][]) {
    super();
    this.layers = entries.map(([n, m]) => this.registerModule(n, m));
  }

  /** Appends a named child (torch's `add_module`). */
  add(name: string, m: Module): this {
    this.layers.push(this.registerModule(name, m));
    return this;
  }

  forward(x: Tensor): Tensor {
    return runLayers(this.layers, x);
  }
}

/** Loads `opts.weights` (safetensors, PyTorch keys) strictly into `model`; returns the model. */
export function withWeights<M extends Module>(model: M, opts: ZooOptions): M {
  if (opts.weights) model.loadStateDict(loadSafetensors(opts.weights), { strict: true });
  return model;
}
