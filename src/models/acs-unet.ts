import * as F from '../ops/index.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/containers.js';
import { ACSConv, BatchNorm3d, MaxPool3d, ReLU, Upsample } from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { type ZooOptions, withWeights } from './common.js';

const cbr = (i: number, o: number): Module[] => [new ACSConv(i, o, 3, { padding: 1 }), new BatchNorm3d(o), new ReLU()];

class ACSEncoder extends Module {
  encode: Module;
  constructor(i: number, o: number) {
    super();
    this.encode = this.registerModule('encode', new Sequential(...cbr(i, o), ...cbr(o, o), new MaxPool3d(2, { stride: 2 })));
  }
  forward(x: Tensor): Tensor {
    return this.encode.forward(x);
  }
}

class ACSDecoder extends Module {
  decode: Module;
  constructor(i: number, m: number, o: number) {
    super();
    this.decode = this.registerModule('decode', new Sequential(...cbr(i, m), ...cbr(m, o)));
  }
  forward(x: Tensor): Tensor {
    return this.decode.forward(x);
  }
}

/**
 * The reference's native `ACSUNet`, built from ACSConv directly (same keys as `convert.toACS(unet())`,
 * so 2D-trained UNet weights load into it). [N, C, D, H, W] → [N, classes, D, H, W].
 */
export class ACSUNet extends Module {
  enc1: Module;
  enc2: Module;
  dec1: Module;
  interpolate: Module;
  final: Module;

  constructor({ numClasses = 2, inChannels = 1 }: ZooOptions = {}) {
    super();
    this.enc1 = this.registerModule('enc1', new ACSEncoder(inChannels, 64));
    this.enc2 = this.registerModule('enc2', new ACSEncoder(64, 128));
    this.dec1 = this.registerModule('dec1', new ACSDecoder(192, 64, 32));
    this.interpolate = this.registerModule('interpolate', new Upsample({ scaleFactor: 2, mode: 'trilinear' }));
    this.final = this.registerModule('final', new ACSConv(32, numClasses, 1));
  }

  forward(x: Tensor): Tensor {
    const x1 = this.enc1.forward(x);
    const x2 = this.enc2.forward(x1);
    const d = this.dec1.forward(F.cat([x1, this.interpolate.forward(x2)], 1));
    return this.final.forward(this.interpolate.forward(d));
  }
}

/** `models.acsUNet({ numClasses, inChannels })`: the native 3D ACS UNet. */
export const acsUNet = (opts: ZooOptions = {}): ACSUNet => withWeights(new ACSUNet(opts), opts);
