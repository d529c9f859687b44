import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, nn, randn } from '../../src/index.js';
import { assertClose } from '../helpers.js';

test('pool layers forward to F with their stored options', () => {
  const x = randn([2, 3, 7, 6]);
  const m = new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true });
  assertClose(m.forward(x), F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }));
  const a = new nn.AvgPool2d([2, 3], { padding: 1, countIncludePad: false });
  assertClose(a.forward(x), F.avgPool2d(x, [2, 3], { stride: [2, 3], padding: 1, countIncludePad: false }));
  const x3 = randn([1, 2, 4, 5, 6]);
  assertClose(new nn.MaxPool3d(2).forward(x3), F.maxPool3d(x3, 2));
  assertClose(new nn.AvgPool3d(2, { stride: 1 }).forward(x3), F.avgPool3d(x3, 2, { stride: 1 }));
  assertClose(new nn.AdaptiveAvgPool3d(1).forward(x3), F.adaptiveAvgPool3d(x3, 1));
  assertClose(new nn.AdaptiveMaxPool3d([2, null, 3]).forward(x3), F.adaptiveMaxPool3d(x3, [2, 5, 3]));
  assertClose(new nn.AdaptiveAvgPool2d([2, 2]).forward(x), F.adaptiveAvgPool2d(x, 2));
  assertClose(new nn.AdaptiveMaxPool2d(3).forward(x), F.adaptiveMaxPool2d(x, [3, 3]));
});

test('pool layers expose options and repr like PyTorch', () => {
  const m = new nn.MaxPool2d(3);
  assert.equal(m.stride, 3);
  assert.equal(m.toString(), 'MaxPool2d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)');
  assert.equal(new nn.AvgPool3d(2).toString(), 'AvgPool3d(kernel_size=2, stride=2, padding=0)');
  const a = new nn.AvgPool2d(3, { countIncludePad: false });
  assert.equal(a.countIncludePad, false);
  assert.equal(new nn.AdaptiveAvgPool2d([2, null]).toString(), 'AdaptiveAvgPool2d(output_size=(2, None))');
  assert.equal(new nn.AdaptiveMaxPool3d(1).toString(), 'AdaptiveMaxPool3d(output_size=1)');
  assert.equal(new nn.MaxPool3d([1, 2, 2], { stride: [1, 2, 2] }).extraRepr(), 'kernel_size=(1, 2, 2), stride=(1, 2, 2), padding=0, dilation=1, ceil_mode=False');
  assert.equal(m.stateDict().size, 0);
});
