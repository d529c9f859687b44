import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { F, ShapeError, Tensor, ValueError, randn, tensor } from '../../src/index.js';
import { FIXTURES, assertClose, gradcheck, loadFixture } from '../helpers.js';

const cases = readdirSync(join(FIXTURES, 'resample'))
  .filter((f) => f.endsWith('.safetensors'))
  .map((f) => f.replace(/\.safetensors$/, ''));

for (const name of cases) {
  test(`interpolate matches PyTorch: ${name}`, () => {
    const f = loadFixture('resample', name);
    const x = f.t('x').requiresGrad_();
    const y = F.interpolate(x, f.params as F.InterpolateOptions);
    assertClose(y, f.t('y'), { atol: 1e-5, msg: `${name} forward` });
    y.backward(f.t('gy'));
    assertClose(x.grad!, f.t('gx'), { atol: 2e-5, msg: `${name} grad` });
  });
}

test('interpolate gradchecks', () => {
  const x2 = randn([1, 2, 3, 4], { requiresGrad: true });
  gradcheck((x) => F.interpolate(x, { size: [5, 7], mode: 'bilinear' }), [x2]);
  gradcheck((x) => F.interpolate(x, { scaleFactor: 1.5, mode: 'nearest' }), [x2]);
  const x3 = randn([1, 1, 3, 2, 4], { requiresGrad: true });
  gradcheck((x) => F.interpolate(x, { size: [4, 5, 3], mode: 'trilinear', alignCorners: true }), [x3]);
});

test('interpolate: align corners keeps the corner values', () => {
  const x = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
  const y = F.interpolate(x, { size: 3, mode: 'bilinear', alignCorners: true });
  assert.deepEqual([...y.data], [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4]);
  const n: Tensor = F.interpolate(x, { scaleFactor: 2 });
  assert.deepEqual([...n.data.subarray(0, 4)], [1, 1, 2, 2]);
});

test('interpolate rejects bad arguments', () => {
  const x = randn([1, 1, 4, 4]);
  assert.throws(() => F.interpolate(x, {}), (e: Error) => e instanceof ValueError && /neither/.test(e.message));
  assert.throws(() => F.interpolate(x, { size: 2, scaleFactor: 2 }), (e: Error) => e instanceof ValueError && /both/.test(e.message));
  assert.throws(() => F.interpolate(x, { size: 2, mode: 'linear' }), ShapeError);
  assert.throws(() => F.interpolate(x, { size: 2, mode: 'trilinear' }), ShapeError);
  assert.throws(() => F.interpolate(x, { size: 2, mode: 'bicubic' as F.InterpolateMode }), ValueError);
  assert.throws(() => F.interpolate(x, { size: 2, alignCorners: true }), ValueError);
  assert.throws(() => F.interpolate(x, { size: [2, 2, 2] }), ValueError);
  assert.throws(() => F.interpolate(x, { scaleFactor: 0.1 }), ShapeError);
  assert.throws(() => F.interpolate(x, { scaleFactor: -1 }), ValueError);
  assert.throws(() => F.interpolate(randn([4, 4]), { size: 2 }), ShapeError);
});
