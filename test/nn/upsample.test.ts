import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, ValueError, nn, randn } from '../../src/index.js';
import { assertClose } from '../helpers.js';

test('Upsample forwards to F.interpolate', () => {
  const x = randn([1, 2, 3, 4]);
  assertClose(new nn.Upsample({ scaleFactor: 2 }).forward(x), F.interpolate(x, { scaleFactor: 2 }));
  const u = new nn.Upsample({ size: [5, 7], mode: 'bilinear', alignCorners: true });
  assertClose(u.forward(x), F.interpolate(x, { size: [5, 7], mode: 'bilinear', alignCorners: true }));
  const x3 = randn([1, 1, 2, 3, 2]);
  assertClose(new nn.Upsample({ scaleFactor: 2, mode: 'trilinear' }).forward(x3), F.interpolate(x3, { scaleFactor: 2, mode: 'trilinear' }));
});

test('Upsample options, repr and validation', () => {
  const u = new nn.Upsample({ size: [3, 4], mode: 'bilinear', alignCorners: true });
  assert.equal(u.mode, 'bilinear');
  assert.equal(u.alignCorners, true);
  assert.equal(u.toString(), 'Upsample(size=(3, 4), mode=bilinear)');
  assert.equal(new nn.Upsample({ scaleFactor: 2 }).toString(), 'Upsample(scale_factor=2.0, mode=nearest)');
  assert.throws(() => new nn.Upsample(), ValueError);
  assert.throws(() => new nn.Upsample({ size: 2, scaleFactor: 2 }), ValueError);
});
