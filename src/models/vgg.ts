import * as F from '../ops/index.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/containers.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear, MaxPool2d, ReLU } from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ZooOptions, withWeights } from './common.js';

export interface VGGOptions extends ZooOptions {
  /** Hidden width of the classifier (torchvision: 4096). */
  hiddenFeatures?: number;
  /**
   * Side of the adaptive pooling before the classifier (torchvision: 7). A converted VGG on 3D input
   * needs 1 (global pooling): a 7×7 head cannot follow a third axis. Changes the classifier's shapes.
   */
  poolSize?: number;
}

const CFG: Record<'A' | 'D', (number | 'M')[]> = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
};

/** torchvision's VGG with batch norm: `features.N`, `classifier.N` keys. [N, C, H, W] → [N, classes]. */
export class VGG extends Module {
  features: Module;
  avgpool: Module;
  classifier: Module;

  constructor(cfg: 'A' | 'D', opts: VGGOptions = {}) {
    super();
    const { numClasses = 1000, inChannels = 3, hiddenFeatures = 4096, poolSize = 7 } = opts;
    const layers: Module[] = [];
    let c = inChannels;
    for (const v of CFG[cfg]) {
      if (v === 'M') layers.push(new MaxPool2d(2, { stride: 2 }));
      else {
        layers.push(new Conv2d(c, v, 3, { padding: 1 }), new BatchNorm2d(v), new ReLU());
        c = v;
      }
    }
    this.features = this.registerModule('features', new Sequential(...layers));
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(poolSize));
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(
        new Linear(512 * poolSize * poolSize, hiddenFeatures),
        new ReLU(),
        new Dropout(0.5),
        new Linear(hiddenFeatures, hiddenFeatures),
        new ReLU(),
        new Dropout(0.5),
        new Linear(hiddenFeatures, numClasses),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(F.flatten(this.avgpool.forward(this.features.forward(x)), 1));
  }
}

/** torchvision `vgg11_bn`. */
export const vgg11Bn = (opts: VGGOptions = {}): VGG => withWeights(new VGG('A', opts), opts);
/** torchvision `vgg16_bn`. */
export const vgg16Bn = (opts: VGGOptions = {}): VGG => withWeights(new VGG('D', opts), opts);
