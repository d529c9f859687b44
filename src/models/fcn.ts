import * as F from '../ops/index.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/containers.js';
import { BatchNorm2d, Conv2d, Dropout, ReLU, Upsample } from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ZooOptions, withWeights } from './common.js';
import { BasicBlock, ResNet } from './resnet.js';

/**
 * A ResNet-18 FCN segmenter: the ResNet-18 trunk (`backbone.layer1…`, loadable from resnet18 weights
 * with the `backbone.` prefix), torchvision's FCNHead (3×3 conv 512→128, BN, ReLU, dropout 0.1, 1×1
 * conv), upsampled back to the input size. [N, C, H, W] → [N, classes, H, W].
 */
export class FCNResNet18 extends Module {
  backbone: ResNet;
  classifier: Module;
  /** Holds the interpolation mode; converters turn bilinear into trilinear. */
  upsample: Module;

  constructor({ numClasses = 2, inChannels = 3 }: ZooOptions = {}) {
    super();
    this.backbone = this.registerModule('backbone', new ResNet(BasicBlock, [2, 2, 2, 2], { inChannels, head: false }));
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(new Conv2d(512, 128, 3, { padding: 1, bias: false }), new BatchNorm2d(128), new ReLU(), new Dropout(0.1), new Conv2d(128, numClasses, 1)),
    );
    this.upsample = this.registerModule('upsample', new Upsample({ scaleFactor: 32, mode: 'bilinear', alignCorners: false }));
  }

  forward(x: Tensor): Tensor {
    const y = this.classifier.forward(this.backbone.forwardFeatures(x));
    const mode = (this.upsample as Upsample).mode;
    return F.interpolate(y, { size: x.shape.slice(2), mode, alignCorners: false });
  }
}

/** `models.fcnResnet18({ numClasses, inChannels })`. */
export const fcnResnet18 = (opts: ZooOptions = {}): FCNResNet18 => withWeights(new FCNResNet18(opts), opts);
