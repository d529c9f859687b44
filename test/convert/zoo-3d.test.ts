import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Tensor, convert, models, nn, noGrad } from '../../src/index.js';
import { detTensor } from '../models/det-weights.js';

type Module = nn.Module;
const keysOf = (m: Module): string[] => [...m.stateDict().keys()];

test('every zoo model converts and runs on a 3D input', () => {
  const x = detTensor('x', [1, 3, 32, 32, 32]);
  const zoo: [string, () => Module, Tensor][] = [
    ['resnet18 (stride-1 stem)', () => models.resnet18({ numClasses: 2, inChannels: 1, stemStride1NoMaxPool: true }), detTensor('n', [1, 1, 8, 8, 8])],
    ['resnet50', () => models.resnet50({ numClasses: 2 }), detTensor('r', [1, 3, 12, 16, 16])],
    ['densenet', () => models.densenet121({ numClasses: 2, growthRate: 4, numInitFeatures: 8, bnSize: 1, blockConfig: [1, 2, 1, 1] }), x],
    ['mobilenet', () => models.mobilenetV3Small({ numClasses: 2 }), detTensor('m', [1, 3, 16, 16, 16])],
    ['vgg11_bn (global pool)', () => models.vgg11Bn({ numClasses: 2, poolSize: 1, hiddenFeatures: 8 }), x],
    ['unet', () => models.unet({ numClasses: 2 }), detTensor('u', [1, 1, 8, 8, 8])],
    ['unetTransposed', () => models.unetTransposed({ numClasses: 2 }), detTensor('u', [1, 1, 8, 8, 8])],
    ['fcn', () => models.fcnResnet18({ numClasses: 2, inChannels: 1 }), detTensor('f', [1, 1, 16, 16, 16])],
  ];
  for (const [name, make, input] of zoo) {
    const m = make().eval();
    for (const conv of [convert.toACS, convert.to2_5d, (mm: Module) => convert.to3d(mm, { i3dRepeatAxis: 2 })]) {
      const y = noGrad(() => conv(m).forward(input));
      assert.ok(y.data.every(Number.isFinite), `${name}: non-finite output`);
      assert.equal(y.shape[0], 1, name);
    }
  }
  const a = models.acsUNet({ numClasses: 2 }).eval();
  assert.deepEqual([...noGrad(() => a.forward(detTensor('u', [1, 1, 8, 8, 8]))).shape], [1, 2, 8, 8, 8]);
  const converted = convert.toACS(models.unet({ numClasses: 2 })).eval();
  assert.deepEqual(keysOf(a), keysOf(converted));
  // Same definition: with the converted model's weights the native ACS UNet computes the same function.
  a.loadStateDict(converted.stateDict());
  const xu = detTensor('u', [1, 1, 8, 8, 8]);
  assert.deepEqual(noGrad(() => a.forward(xu)).data, noGrad(() => converted.forward(xu)).data);
});
