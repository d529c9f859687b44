import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, ValueError, randn, tensor } from '../../src/index.js';
import { assertClose, gradcheck, loadFixture } from '../helpers.js';

test('sum / mean over one, several and all dims, with keepdim', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.equal(F.sum(x).item(), 21);
  assert.deepEqual([...F.sum(x).shape], []);
  assert.deepEqual(F.sum(x, 0).toArray(), [5, 7, 9]);
  assert.deepEqual(F.sum(x, -1, true).toArray(), [[6], [15]]);
  assert.deepEqual(F.mean(x, 1).toArray(), [2, 5]);
  assert.deepEqual(F.mean(x, [0, 1], true).toArray(), [[3.5]]);
  assert.deepEqual(F.amax(x, 0).toArray(), [4, 5, 6]);
  assert.deepEqual(F.amax(x, 1, true).toArray(), [[3], [6]]);
  assert.equal(F.amax(x).item(), 6);
});

test('multi-dim reductions match PyTorch (fixture)', () => {
  const f = loadFixture('ops', 'pad_reduce');
  const x = f.t('x');
  assertClose(F.sum(x, [0, 2], true), f.t('sum02k'), { atol: 1e-5 });
  assertClose(F.mean(x, [1, 3]), f.t('mean13'), { atol: 1e-6 });
  assertClose(F.amax(x, [-1, 1]), f.t('amax31'), { atol: 0 });
});

test('reduction gradients', () => {
  gradcheck((x) => F.sum(x, [0, 2]), [randn([2, 3, 4]).requiresGrad_()]);
  gradcheck((x) => F.mean(x, 1, true), [randn([2, 3, 4]).requiresGrad_()]);
  gradcheck((x) => F.mean(x), [randn([2, 3]).requiresGrad_()]);
  gradcheck((x) => F.amax(x, [1, 2]), [randn([2, 3, 4]).requiresGrad_()], { eps: 1e-3 });
});

test('amax shares the gradient among ties and propagates NaN', () => {
  const x = tensor([[1, 3, 3], [2, 0, 1]], undefined, { requiresGrad: true });
  F.sum(F.amax(x, 1)).backward();
  assert.deepEqual(x.grad!.toArray(), [[0, 0.5, 0.5], [1, 0, 0]]);
  assert.ok(Number.isNaN(F.amax(tensor([1, NaN, 2])).item()));
});

test('sum accumulates long reductions accurately', () => {
  const n = 1 << 20;
  const x = tensor(new Float32Array(n).fill(0.1));
  assert.ok(Math.abs(F.sum(x).item() - n * 0.1) / (n * 0.1) < 1e-6);
});

test('argmax returns int32 indices (first maximum)', () => {
  const x = tensor([[1, 5, 5], [7, 0, 2]]);
  const a = F.argmax(x, 1);
  assert.equal(a.dtype, 'int32');
  assert.deepEqual([...a.data], [1, 0]);
  assert.deepEqual([...F.argmax(x, 0).data], [1, 0, 0]);
  assert.deepEqual([...F.argmax(x, 0, true).shape], [1, 3]);
  assert.equal(F.argmax(x).item(), 3);
  // Class dim of [N, C, D, H, W]: the label map.
  const logits = randn([2, 4, 2, 3, 1]);
  const lab = F.argmax(logits, 1);
  assert.deepEqual([...lab.shape], [2, 2, 3, 1]);
  for (let n = 0; n < 2; n++) for (let s = 0; s < 6; s++) {
    let best = 0;
    for (let c = 1; c < 4; c++) if (logits.data[(n * 4 + c) * 6 + s] > logits.data[(n * 4 + best) * 6 + s]) best = c;
    assert.equal(lab.data[n * 6 + s], best);
  }
});

test('bad reduction dims are reported', () => {
  assert.throws(() => F.sum(randn([2, 3]), 2), /sum: axis 2 is out of range/);
  assert.throws(() => F.mean(randn([2, 3]), [1, -1]), (e: Error) => e instanceof ValueError && /mean: dim -1 appears more than once/.test(e.message));
  assert.throws(() => F.argmax(randn([2, 3]), 5), /argmax: axis 5/);
});
