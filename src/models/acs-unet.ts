import { UNET_ACS, UNet, type UNetOptions } from './unet.js';
import { withWeights } from './common.js';

/**
 * The reference's native `ACSUNet`: the proof-of-concept UNet built from ACSConv, BatchNorm3d, MaxPool3d
 * and trilinear upsampling directly. Same definition and keys as `convert.toACS(unet())`, so 2D-trained
 * UNet weights load into it. [N, C, D, H, W] → [N, classes, D, H, W].
 */
export class ACSUNet extends UNet {
  constructor(opts: UNetOptions = {}) {
    super(opts, UNET_ACS);
  }
}

/** `models.acsUNet({ numClasses, inChannels, width })`: the native 3D ACS UNet. */
export const acsUNet = (opts: UNetOptions = {}): ACSUNet => withWeights(new ACSUNet(opts), opts);
