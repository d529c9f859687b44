import * as F from '../ops/index.js';
import { Module } from '../nn/module.js';
import { normThenReLU, Sequential } from '../nn/containers.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Identity, Linear, MaxPool2d, ReLU } from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ZooOptions, withWeights } from './common.js';

export interface ResNetOptions extends ZooOptions {
  /** Stem conv with stride 1 and no max-pool (the paper's nodule models on 48³ patches). */
  stemStride1NoMaxPool?: boolean;
}

const conv3x3 = (i: number, o: number, stride = 1): Conv2d => new Conv2d(i, o, 3, { stride, padding: 1, bias: false });
const conv1x1 = (i: number, o: number, stride = 1): Conv2d => new Conv2d(i, o, 1, { stride, bias: false });

/** torchvision's BasicBlock (two 3×3 convs); children conv1, bn1, relu, conv2, bn2, downsample. */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  conv1: Module;
  bn1: Module;
  relu: Module;
  conv2: Module;
  bn2: Module;
  downsample: Module | null;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Module | null = null) {
    super();
    this.conv1 = this.registerModule('conv1', conv3x3(inplanes, planes, stride));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.relu = this.registerModule('relu', new ReLU());
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.downsample = downsample ? this.registerModule('downsample', downsample) : null;
  }

  forward(x: Tensor): Tensor {
    const out = this.bn2.forward(this.conv2.forward(normThenReLU(this.bn1, this.relu, this.conv1.forward(x))));
    const identity = this.downsample ? this.downsample.forward(x) : x;
    return this.relu.forward(F.add(out, identity));
  }
}

/** torchvision's Bottleneck (1×1, 3×3 with the stride, 1×1 ×4). */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  conv1: Module;
  bn1: Module;
  conv2: Module;
  bn2: Module;
  conv3: Module;
  bn3: Module;
  relu: Module;
  downsample: Module | null;

  constructor(inplanes: number, planes: number, stride = 1, downsample: Module | null = null) {
    super();
    this.conv1 = this.registerModule('conv1', conv1x1(inplanes, planes));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes, stride));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes));
    this.conv3 = this.registerModule('conv3', conv1x1(planes, planes * 4));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d(planes * 4));
    this.relu = this.registerModule('relu', new ReLU());
    this.downsample = downsample ? this.registerModule('downsample', downsample) : null;
  }

  forward(x: Tensor): Tensor {
    let out = normThenReLU(this.bn1, this.relu, this.conv1.forward(x));
    out = normThenReLU(this.bn2, this.relu, this.conv2.forward(out));
    out = this.bn3.forward(this.conv3.forward(out));
    const identity = this.downsample ? this.downsample.forward(x) : x;
    return this.relu.forward(F.add(out, identity));
  }
}

type BlockClass = (typeof BasicBlock | typeof Bottleneck) & { expansion: number };

/**
 * torchvision's ResNet: same children and state-dict keys (`layer1.0.conv1.weight`, `fc.bias`).
 * `head: false` drops avgpool and fc (a backbone for segmenters). forward: [N, C, H, W] → [N, classes];
 * after conversion [N, C, D, H, W] → [N, classes] (global pooling is the registered avgpool child).
 */
export class ResNet extends Module {
  conv1: Module;
  bn1: Module;
  relu: Module;
  maxpool: Module;
  layer1: Module;
  layer2: Module;
  layer3: Module;
  layer4: Module;
  avgpool: Module | null = null;
  fc: Module | null = null;
  private inplanes = 64;

  constructor(block: BlockClass, layers: number[], opts: ResNetOptions & { head?: boolean } = {}) {
    super();
    const { numClasses = 1000, inChannels = 3, stemStride1NoMaxPool = false, head = true } = opts;
    this.conv1 = this.registerModule('conv1', new Conv2d(inChannels, 64, 7, { stride: stemStride1NoMaxPool ? 1 : 2, padding: 3, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(64));
    this.relu = this.registerModule('relu', new ReLU());
    this.maxpool = this.registerModule('maxpool', stemStride1NoMaxPool ? new Identity() : new MaxPool2d(3, { stride: 2, padding: 1 }));
    this.layer1 = this.registerModule('layer1', this.makeLayer(block, 64, layers[0]));
    this.layer2 = this.registerModule('layer2', this.makeLayer(block, 128, layers[1], 2));
    this.layer3 = this.registerModule('layer3', this.makeLayer(block, 256, layers[2], 2));
    this.layer4 = this.registerModule('layer4', this.makeLayer(block, 512, layers[3], 2));
    if (head) {
      this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
      this.fc = this.registerModule('fc', new Linear(512 * block.expansion, numClasses));
    }
  }

  private makeLayer(block: BlockClass, planes: number, blocks: number, stride = 1): Sequential {
    let downsample: Module | null = null;
    if (stride !== 1 || this.inplanes !== planes * block.expansion) {
      downsample = new Sequential(conv1x1(this.inplanes, planes * block.expansion, stride), new BatchNorm2d(planes * block.expansion));
    }
    const out: Module[] = [new block(this.inplanes, planes, stride, downsample)];
    this.inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) out.push(new block(this.inplanes, planes));
    return new Sequential(...out);
  }

  /** The feature map after layer4: [N, 512·expansion, H/32, W/32] (or /8 with the stride-1 stem). */
  forwardFeatures(x: Tensor): Tensor {
    x = this.maxpool.forward(normThenReLU(this.bn1, this.relu, this.conv1.forward(x)));
    return this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(x))));
  }

  forward(x: Tensor): Tensor {
    const f = this.forwardFeatures(x);
    if (!this.avgpool || !this.fc) return f;
    return this.fc.forward(F.flatten(this.avgpool.forward(f), 1));
  }
}

/** torchvision `resnet18` (BasicBlock ×[2,2,2,2]). */
export const resnet18 = (opts: ResNetOptions = {}): ResNet => withWeights(new ResNet(BasicBlock, [2, 2, 2, 2], opts), opts);
/** torchvision `resnet34` (BasicBlock ×[3,4,6,3]). */
export const resnet34 = (opts: ResNetOptions = {}): ResNet => withWeights(new ResNet(BasicBlock, [3, 4, 6, 3], opts), opts);
/** torchvision `resnet50` (Bottleneck ×[3,4,6,3]). */
export const resnet50 = (opts: ResNetOptions = {}): ResNet => withWeights(new ResNet(Bottleneck, [3, 4, 6, 3], opts), opts);
