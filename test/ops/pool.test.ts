import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { F, ShapeError, Tensor, ValueError, backend, randn, tensor } from '../../src/index.js';
import { FIXTURES, assertClose, gradcheck, loadFixture } from '../helpers.js';

type PoolFn = (x: Tensor, p: Record<string, unknown>) => Tensor;

const OPS: Record<string, PoolFn> = {
  maxPool2d: (x, p) => F.maxPool2d(x, p.kernelSize as number, p),
  maxPool3d: (x, p) => F.maxPool3d(x, p.kernelSize as number, p),
  avgPool2d: (x, p) => F.avgPool2d(x, p.kernelSize as number, p),
  avgPool3d: (x, p) => F.avgPool3d(x, p.kernelSize as number, p),
  adaptiveAvgPool2d: (x, p) => F.adaptiveAvgPool2d(x, p.outputSize as number),
  adaptiveAvgPool3d: (x, p) => F.adaptiveAvgPool3d(x, p.outputSize as number),
  adaptiveMaxPool2d: (x, p) => F.adaptiveMaxPool2d(x, p.outputSize as number),
  adaptiveMaxPool3d: (x, p) => F.adaptiveMaxPool3d(x, p.outputSize as number),
};

const cases = readdirSync(join(FIXTURES, 'pool'))
  .filter((f) => f.endsWith('.safetensors'))
  .map((f) => f.replace(/\.safetensors$/, ''));

test('pool fixtures exist for every op', () => {
  const ops = new Set(cases.map((c) => loadFixture('pool', c).params.op));
  assert.deepEqual([...ops].sort(), Object.keys(OPS).sort());
});

for (const name of cases) {
  test(`pool matches PyTorch: ${name}`, () => {
    const f = loadFixture('pool', name);
    const x = f.t('x').requiresGrad_();
    const y = OPS[f.params.op as string](x, f.params);
    assertClose(y, f.t('y'), { atol: 1e-5, msg: `${name} forward` });
    y.backward(f.t('gy'));
    assertClose(x.grad!, f.t('gx'), { atol: 1e-5, msg: `${name} grad` });
  });
}

test('pool gradchecks (max on distinct values, avg, adaptive)', () => {
  // A permutation keeps max windows free of ties, which finite differences cannot handle.
  const perm = Float32Array.from({ length: 2 * 2 * 5 * 6 }, (_, i) => ((i * 37) % 120) / 10);
  const x2 = () => tensor(perm.slice(), [2, 2, 5, 6], { requiresGrad: true });
  gradcheck((x) => F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), [x2()], { eps: 1e-3 });
  gradcheck((x) => F.adaptiveMaxPool2d(x, [3, 4]), [x2()], { eps: 1e-3 });
  const x3 = randn([1, 2, 4, 5, 3], { requiresGrad: true });
  gradcheck((x) => F.avgPool3d(x, 2, { stride: 1, padding: 1, countIncludePad: false, ceilMode: true }), [x3]);
  gradcheck((x) => F.adaptiveAvgPool3d(x, [3, 2, 2]), [x3]);
});

test('max pool picks the first maximum and passes NaN through', () => {
  const y = F.maxPool2d(tensor([1, 5, 5, 2, NaN, 3, 0, 0, 0], [1, 1, 3, 3]), 2, { stride: 1 });
  assert.ok(Number.isNaN(y.data[0]) && Number.isNaN(y.data[1]) && Number.isNaN(y.data[2]) && Number.isNaN(y.data[3]));
  const x = tensor([1, 5, 5, 2], [1, 1, 2, 2], { requiresGrad: true });
  F.maxPool2d(x, 2).backward(tensor([1], [1, 1, 1, 1]));
  assert.deepEqual([...x.grad!.data], [0, 1, 0, 0]);
});

test('pool rejects bad inputs with clear errors', () => {
  // Saved argmax indices outside the input plane (a corrupted index array) are named, not scattered.
  const idx = Int32Array.from([0, 3, 8, 2]);
  assert.throws(
    () => backend.indexPoolBackward(new Float32Array(4), idx, [1, 1, 2, 4, 1, 2, 2]),
    (e: Error) => e instanceof ValueError && /index 8 at 2 is outside the plane of 8/.test(e.message),
  );
  const x = randn([1, 1, 5, 5]);
  assert.throws(() => F.maxPool2d(x, 2, { padding: 2 }), (e: Error) => e instanceof ValueError && /half of effective kernel size/.test(e.message));
  assert.throws(() => F.avgPool2d(x, 3, { padding: 2 }), ValueError);
  assert.throws(() => F.maxPool2d(x, 7), (e: Error) => e instanceof ShapeError && /output size is too small/.test(e.message));
  assert.throws(() => F.maxPool3d(randn([1, 5, 5]), 2), (e: Error) => e instanceof ShapeError && /rank 5/.test(e.message));
  assert.throws(() => F.maxPool2d(randn([5, 5]), 2), ShapeError);
  assert.throws(() => F.maxPool2d(x, 0), ValueError);
  assert.throws(() => F.maxPool2d(x, 2, { stride: 0 }), ValueError);
  assert.throws(() => F.maxPool2d(x, [2, 2, 2]), ValueError);
  assert.throws(() => F.adaptiveAvgPool2d(x, 0), ValueError);
  assert.throws(() => F.adaptiveMaxPool3d(randn([5, 5, 5]), 1), ShapeError);
  assert.throws(() => F.adaptiveAvgPool2d(x, [1, 2, 3]), ValueError);
  // dilation enlarges the effective kernel: PyTorch 2 accepts this padding.
  assert.deepEqual([...F.maxPool2d(x, 2, { padding: 1, dilation: 2 }).shape], [1, 1, 3, 3]);
});
