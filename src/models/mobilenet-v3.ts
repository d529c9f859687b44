import * as F from '../ops/index.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/containers.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Hardsigmoid, Hardswish, Linear, ReLU } from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ZooOptions, withWeights } from './common.js';

/** torchvision's `_make_divisible`: round to a multiple of 8, never below 90 % of v. */
function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

type Act = 'RE' | 'HS';
const act = (a: Act): Module => (a === 'HS' ? new Hardswish() : new ReLU());

/** torchvision's Conv2dNormActivation: conv (no bias), BN(eps 1e-3, momentum 0.01), activation. */
function convBnAct(i: number, o: number, k: number, { stride = 1, groups = 1, activation = null as Act | null } = {}): Sequential {
  const layers: Module[] = [
    new Conv2d(i, o, k, { stride, padding: Math.floor((k - 1) / 2), groups, bias: false }),
    new BatchNorm2d(o, { eps: 0.001, momentum: 0.01 }),
  ];
  if (activation) layers.push(act(activation));
  return new Sequential(...layers);
}

/** torchvision's SqueezeExcitation with Hardsigmoid gate: x · σ(fc2(relu(fc1(avgpool(x))))). */
export class SqueezeExcitation extends Module {
  avgpool: Module;
  fc1: Module;
  fc2: Module;
  activation: Module;
  scaleActivation: Module;

  constructor(channels: number, squeeze: number) {
    super();
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.fc1 = this.registerModule('fc1', new Conv2d(channels, squeeze, 1));
    this.fc2 = this.registerModule('fc2', new Conv2d(squeeze, channels, 1));
    this.activation = this.registerModule('activation', new ReLU());
    this.scaleActivation = this.registerModule('scale_activation', new Hardsigmoid());
  }

  forward(x: Tensor): Tensor {
    const s = this.fc2.forward(this.activation.forward(this.fc1.forward(this.avgpool.forward(x))));
    // [N, C, 1, 1] (or [N, C, 1, 1, 1]) broadcast over the spatial axes
    return F.mul(this.scaleActivation.forward(s), x);
  }
}

/** torchvision's InvertedResidual: expand 1×1, depthwise k×k, optional SE, project 1×1. */
export class InvertedResidual extends Module {
  block: Module;
  readonly useResConnect: boolean;

  constructor(inC: number, k: number, expanded: number, outC: number, useSe: boolean, a: Act, stride: number) {
    super();
    const layers: Module[] = [];
    if (expanded !== inC) layers.push(convBnAct(inC, expanded, 1, { activation: a }));
    layers.push(convBnAct(expanded, expanded, k, { stride, groups: expanded, activation: a }));
    if (useSe) layers.push(new SqueezeExcitation(expanded, makeDivisible(expanded / 4)));
    layers.push(convBnAct(expanded, outC, 1));
    this.block = this.registerModule('block', new Sequential(...layers));
    this.useResConnect = stride === 1 && inC === outC;
  }

  forward(x: Tensor): Tensor {
    const y = this.block.forward(x);
    return this.useResConnect ? F.add(y, x) : y;
  }
}

// input, kernel, expanded, out, SE, activation, stride (torchvision's small config, width 1.0)
const SMALL: [number, number, number, number, boolean, Act, number][] = [
  [16, 3, 16, 16, true, 'RE', 2],
  [16, 3, 72, 24, false, 'RE', 2],
  [24, 3, 88, 24, false, 'RE', 1],
  [24, 5, 96, 40, true, 'HS', 2],
  [40, 5, 240, 40, true, 'HS', 1],
  [40, 5, 240, 40, true, 'HS', 1],
  [40, 5, 120, 48, true, 'HS', 1],
  [48, 5, 144, 48, true, 'HS', 1],
  [48, 5, 288, 96, true, 'HS', 2],
  [96, 5, 576, 96, true, 'HS', 1],
  [96, 5, 576, 96, true, 'HS', 1],
];

/** torchvision's MobileNetV3 (small): `features.N.block.M.0.weight` keys. [N, C, H, W] → [N, classes]. */
export class MobileNetV3 extends Module {
  features: Module;
  avgpool: Module;
  classifier: Module;

  constructor(opts: ZooOptions & { dropout?: number } = {}) {
    super();
    const { numClasses = 1000, inChannels = 3, dropout = 0.2 } = opts;
    const layers: Module[] = [convBnAct(inChannels, 16, 3, { stride: 2, activation: 'HS' })];
    for (const [i, k, e, o, se, a, s] of SMALL) layers.push(new InvertedResidual(i, k, e, o, se, a, s));
    layers.push(convBnAct(96, 576, 1, { activation: 'HS' }));
    this.features = this.registerModule('features', new Sequential(...layers));
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(new Linear(576, 1024), new Hardswish(), new Dropout(dropout), new Linear(1024, numClasses)),
    );
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(F.flatten(this.avgpool.forward(this.features.forward(x)), 1));
  }
}

/** torchvision `mobilenet_v3_small` (depthwise convs, squeeze-excitation, Hardswish). */
export const mobilenetV3Small = (opts: ZooOptions = {}): MobileNetV3 => withWeights(new MobileNetV3(opts), opts);
