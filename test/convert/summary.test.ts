import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convert, models, nn } from '../../src/index.js';

test('summarize: rows per leaf with params, output shapes and conv FLOPs (ACS = 1/k of Conv3d)', () => {
  const m = new nn.Sequential(new nn.Conv2d(2, 6, 3, { padding: 1 }), new nn.BatchNorm2d(6), new nn.ReLU());
  const rows2 = convert.summarize(m, [1, 2, 8, 8]);
  assert.deepEqual(rows2.map((r) => r.path), ['0', '1', '2']);
  assert.deepEqual(rows2[0], { path: '0', type: 'Conv2d', params: 6 * 2 * 9 + 6, outputShape: [1, 6, 8, 8], flops: 2 * 6 * 2 * 9 * 64 });
  const acs = convert.summarize(convert.toACS(m), [1, 2, 4, 8, 8])[0];
  const c3 = convert.summarize(convert.to3d(m), [1, 2, 4, 8, 8])[0];
  assert.equal(acs.type, 'ACSConv');
  assert.deepEqual(acs.outputShape, [1, 6, 4, 8, 8]);
  assert.equal(acs.flops * 3, c3.flops);
  assert.equal(m.training, true, 'training flag restored');
  assert.equal(Object.hasOwn(m.at(0), 'forward'), false, 'forward hooks removed');
});

test('summarize ResNet-18: parameter total matches torchvision (11,181,642 with 10 classes)', () => {
  const r = models.resnet18({ numClasses: 10 });
  assert.equal(convert.countParameters(r), 11181642);
  const rows = convert.summarize(r, [1, 3, 32, 32]);
  assert.equal(rows.reduce((a, b) => a + b.params, 0), 11181642);
  assert.deepEqual(rows.at(-1)!.outputShape, [1, 10]);
});
