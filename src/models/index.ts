// The model zoo: torchvision structures and state-dict keys (2D, convert to 3D), and native ACS models.
export { NamedSequential, type ZooOptions } from './common.js';
export { ResNet, BasicBlock, Bottleneck, type ResNetOptions, resnet18, resnet34, resnet50 } from './resnet.js';
export { DenseNet, DenseBlock, DenseLayer, type DenseNetOptions, densenet121 } from './densenet.js';
export { VGG, type VGGOptions, vgg11Bn, vgg16Bn, vgg11Bn as vgg11_bn, vgg16Bn as vgg16_bn } from './vgg.js';
export { MobileNetV3, InvertedResidual, SqueezeExcitation, mobilenetV3Small, mobilenetV3Small as mobilenet_v3_small } from './mobilenet-v3.js';
export { UNet, UNetTransposed, EncoderBlock, DecoderBlock, unet, unetTransposed, UNET_2D, UNET_ACS, type UNetOptions, type UNetLayers } from './unet.js';
export { FCNResNet18, fcnResnet18 } from './fcn.js';
export { ACSUNet, acsUNet } from './acs-unet.js';
export { type ModelSpec, checkModelSpec, buildModel, sizeMultiple } from './spec.js';
