import * as F from '../ops/index.js';
import { normThenReLU } from '../nn/containers.js';
import { Module } from '../nn/module.js';
import { AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear, MaxPool2d, ReLU } from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { NamedSequential, type ZooOptions, withWeights } from './common.js';

export interface DenseNetOptions extends ZooOptions {
  growthRate?: number;
  blockConfig?: number[];
  numInitFeatures?: number;
  bnSize?: number;
  dropRate?: number;
}

/** torchvision's `_DenseLayer`: BN-ReLU-1×1 conv, BN-ReLU-3×3 conv on the concatenation of its inputs. */
export class DenseLayer extends Module {
  norm1: Module;
  relu1: Module;
  conv1: Module;
  norm2: Module;
  relu2: Module;
  conv2: Module;
  dropout: Module | null;

  constructor(inFeatures: number, growthRate: number, bnSize: number, dropRate: number) {
    super();
    this.norm1 = this.registerModule('norm1', new BatchNorm2d(inFeatures));
    this.relu1 = this.registerModule('relu1', new ReLU());
    this.conv1 = this.registerModule('conv1', new Conv2d(inFeatures, bnSize * growthRate, 1, { bias: false }));
    this.norm2 = this.registerModule('norm2', new BatchNorm2d(bnSize * growthRate));
    this.relu2 = this.registerModule('relu2', new ReLU());
    this.conv2 = this.registerModule('conv2', new Conv2d(bnSize * growthRate, growthRate, 3, { padding: 1, bias: false }));
    // torchvision calls F.dropout in forward; a registered child is converted and carries no keys
    this.dropout = dropRate > 0 ? this.registerModule('dropout', new Dropout(dropRate)) : null;
  }

  forward(x: Tensor): Tensor {
    const b = this.conv1.forward(normThenReLU(this.norm1, this.relu1, x));
    const y = this.conv2.forward(normThenReLU(this.norm2, this.relu2, b));
    return this.dropout ? this.dropout.forward(y) : y;
  }
}

/** torchvision's `_DenseBlock`: each layer sees the channel concatenation of all earlier outputs. */
export class DenseBlock extends Module {
  readonly layers: Module[] = [];

  constructor(numLayers: number, inFeatures: number, bnSize: number, growthRate: number, dropRate: number) {
    super();
    for (let i = 0; i < numLayers; i++) {
      this.layers.push(this.registerModule(`denselayer${i + 1}`, new DenseLayer(inFeatures + i * growthRate, growthRate, bnSize, dropRate)));
    }
  }

  forward(x: Tensor): Tensor {
    const feats = [x];
    // cat on dim 1 is dimension-generic: the same code runs on [N, C, D, H, W] after conversion
    for (const l of this.layers) feats.push(l.forward(feats.length === 1 ? x : F.cat(feats, 1)));
    return F.cat(feats, 1);
  }
}

/**
 * torchvision's DenseNet, same keys (`features.denseblock1.denselayer1.conv1.weight`). torchvision
 * calls `F.adaptive_avg_pool2d` in forward, which is what breaks the reference converter; here the
 * global pooling is a registered child `pool` (no state-dict keys) that converters turn 3D.
 */
export class DenseNet extends Module {
  features: NamedSequential;
  pool: Module;
  classifier: Module;

  constructor(opts: DenseNetOptions = {}) {
    super();
    const { growthRate = 32, blockConfig = [6, 12, 24, 16], numInitFeatures = 64, bnSize = 4, dropRate = 0 } = opts;
    const { numClasses = 1000, inChannels = 3 } = opts;
    this.features = this.registerModule(
      'features',
      new NamedSequential([
        ['conv0', new Conv2d(inChannels, numInitFeatures, 7, { stride: 2, padding: 3, bias: false })],
        ['norm0', new BatchNorm2d(numInitFeatures)],
        ['relu0', new ReLU()],
        ['pool0', new MaxPool2d(3, { stride: 2, padding: 1 })],
      ]),
    );
    let n = numInitFeatures;
    blockConfig.forEach((numLayers, i) => {
      this.features.add(`denseblock${i + 1}`, new DenseBlock(numLayers, n, bnSize, growthRate, dropRate));
      n += numLayers * growthRate;
      if (i !== blockConfig.length - 1) {
        const half = Math.floor(n / 2);
        this.features.add(
          `transition${i + 1}`,
          new NamedSequential([
            ['norm', new BatchNorm2d(n)],
            ['relu', new ReLU()],
            ['conv', new Conv2d(n, half, 1, { bias: false })],
            ['pool', new AvgPool2d(2, { stride: 2 })],
          ]),
        );
        n = half;
      }
    });
    this.features.add('norm5', new BatchNorm2d(n));
    this.pool = this.registerModule('pool', new AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule('classifier', new Linear(n, numClasses));
  }

  forward(x: Tensor): Tensor {
    const f = F.relu(this.features.forward(x));
    return this.classifier.forward(F.flatten(this.pool.forward(f), 1));
  }
}

/** torchvision `densenet121` (growth 32, blocks [6, 12, 24, 16], 64 initial features). */
export const densenet121 = (opts: DenseNetOptions = {}): DenseNet => withWeights(new DenseNet(opts), opts);
