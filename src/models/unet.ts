import * as F from '../ops/index.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/containers.js';
import { ACSConv, BatchNorm2d, BatchNorm3d, Conv2d, ConvTranspose2d, MaxPool2d, MaxPool3d, ReLU, Upsample } from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import { type ZooOptions, withWeights } from './common.js';

/**
 * The layer kinds a UNet is built from: 2D (convert it to run on volumes) or natively ACS. One definition
 * serves both, so `acsUNet()` and `convert.toACS(unet())` cannot drift apart.
 */
export interface UNetLayers {
  conv(i: number, o: number, k: number, padding: number): Module;
  norm(c: number): Module;
  pool(): Module;
  upsampleMode: 'bilinear' | 'trilinear';
}

export const UNET_2D: UNetLayers = {
  conv: (i, o, k, padding) => new Conv2d(i, o, k, { padding }),
  norm: (c) => new BatchNorm2d(c),
  pool: () => new MaxPool2d(2, { stride: 2 }),
  upsampleMode: 'bilinear',
};

export const UNET_ACS: UNetLayers = {
  conv: (i, o, k, padding) => new ACSConv(i, o, k, { padding }),
  norm: (c) => new BatchNorm3d(c),
  pool: () => new MaxPool3d(2, { stride: 2 }),
  upsampleMode: 'trilinear',
};

const cbr = (L: UNetLayers, i: number, o: number): Module[] => [L.conv(i, o, 3, 1), L.norm(o), new ReLU()];

/** Two Conv-BN-ReLU pairs then a 2×2 max-pool (the reference PoC's `_EncoderBlock`, key `encode.N`). */
export class EncoderBlock extends Module {
  encode: Module;
  constructor(i: number, o: number, L: UNetLayers = UNET_2D) {
    super();
    this.encode = this.registerModule('encode', new Sequential(...cbr(L, i, o), ...cbr(L, o, o), L.pool()));
  }
  forward(x: Tensor): Tensor {
    return this.encode.forward(x);
  }
}

/** Two Conv-BN-ReLU pairs (the reference PoC's `_DecoderBlock`, key `decode.N`). */
export class DecoderBlock extends Module {
  decode: Module;
  constructor(i: number, m: number, o: number, L: UNetLayers = UNET_2D) {
    super();
    this.decode = this.registerModule('decode', new Sequential(...cbr(L, i, m), ...cbr(L, m, o)));
  }
  forward(x: Tensor): Tensor {
    return this.decode.forward(x);
  }
}

/** UNet options: `width` scales every channel count (1 = the paper's 64/128 encoder, 64/32 decoder). */
export interface UNetOptions extends ZooOptions {
  width?: number;
}

/** Encoder 1, encoder 2, decoder middle and decoder output channels at a width multiplier. */
function unetChannels(width: number): [number, number, number, number] {
  if (!(width > 0)) throw new ValueError(`unet: width must be positive, got ${width}`);
  const c = (n: number): number => Math.max(1, Math.round(n * width));
  return [c(64), c(128), c(64), c(32)];
}

/**
 * The ACS paper's proof-of-concept 2-level UNet: encoders of 64 and 128 channels, a decoder
 * 192→64→32 on [skip, upsampled], bilinear ×2 upsampling, 1×1 head. Keys as the reference
 * (`enc1.encode.0.weight`, `final.weight`). [N, C, H, W] → [N, classes, H, W] (H, W divisible by 4).
 */
export class UNet extends Module {
  enc1: Module;
  enc2: Module;
  dec1: Module;
  interpolate: Module;
  final: Module;

  constructor({ numClasses = 2, inChannels = 1, width = 1 }: UNetOptions = {}, L: UNetLayers = UNET_2D) {
    super();
    const [c1, c2, m, o] = unetChannels(width);
    this.enc1 = this.registerModule('enc1', new EncoderBlock(inChannels, c1, L));
    this.enc2 = this.registerModule('enc2', new EncoderBlock(c1, c2, L));
    this.dec1 = this.registerModule('dec1', new DecoderBlock(c1 + c2, m, o, L));
    this.interpolate = this.registerModule('interpolate', new Upsample({ scaleFactor: 2, mode: L.upsampleMode }));
    this.final = this.registerModule('final', L.conv(o, numClasses, 1, 0));
  }

  forward(x: Tensor): Tensor {
    const x1 = this.enc1.forward(x);
    const x2 = this.enc2.forward(x1);
    const d = this.dec1.forward(F.cat([x1, this.interpolate.forward(x2)], 1));
    return this.final.forward(this.interpolate.forward(d));
  }
}

/** The PoC UNet with learned ×2 upsampling (ConvTranspose2d k=2, s=2) instead of bilinear. */
export class UNetTransposed extends Module {
  enc1: Module;
  enc2: Module;
  up2: Module;
  dec1: Module;
  up1: Module;
  final: Module;

  constructor({ numClasses = 2, inChannels = 1 }: ZooOptions = {}) {
    super();
    this.enc1 = this.registerModule('enc1', new EncoderBlock(inChannels, 64));
    this.enc2 = this.registerModule('enc2', new EncoderBlock(64, 128));
    this.up2 = this.registerModule('up2', new ConvTranspose2d(128, 128, 2, { stride: 2 }));
    this.dec1 = this.registerModule('dec1', new DecoderBlock(192, 64, 32));
    this.up1 = this.registerModule('up1', new ConvTranspose2d(32, 32, 2, { stride: 2 }));
    this.final = this.registerModule('final', new Conv2d(32, numClasses, 1));
  }

  forward(x: Tensor): Tensor {
    const x1 = this.enc1.forward(x);
    const x2 = this.enc2.forward(x1);
    const d = this.dec1.forward(F.cat([x1, this.up2.forward(x2)], 1));
    return this.final.forward(this.up1.forward(d));
  }
}

/** `models.unet({ numClasses, inChannels })`: the PoC UNet (2D; convert to run on volumes). */
export const unet = (opts: UNetOptions = {}): UNet => withWeights(new UNet(opts), opts);
/** The PoC UNet with a ConvTranspose2d decoder. */
export const unetTransposed = (opts: ZooOptions = {}): UNetTransposed => withWeights(new UNetTransposed(opts), opts);
