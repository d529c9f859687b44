import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, ShapeError, randn, tensor } from '../../src/index.js';
import { assertClose, gradcheck, loadFixture } from '../helpers.js';

test('linear matches PyTorch on [..., in] input with bias (fixture)', () => {
  const f = loadFixture('ops', 'linear');
  const [x, w, b] = ['x', 'w', 'b'].map((k) => f.t(k).clone().requiresGrad_());
  const y = F.linear(x, w, b);
  assertClose(y, f.t('y'), { atol: 1e-5 });
  y.backward(f.t('g'));
  assertClose(x.grad!, f.t('gx'), { atol: 1e-5 });
  assertClose(w.grad!, f.t('gw'), { atol: 1e-5 });
  assertClose(b.grad!, f.t('gb'), { atol: 1e-5 });
});

test('linear without bias, gradcheck, and shape errors', () => {
  const y = F.linear(tensor([[1, 2]]), tensor([[1, 1], [2, 0], [0, 3]]));
  assert.deepEqual(y.toArray(), [[3, 2, 6]]);
  gradcheck((x, w) => F.linear(x, w), [randn([3, 4]).requiresGrad_(), randn([2, 4]).requiresGrad_()]);
  gradcheck((x, w, b) => F.linear(x, w, b), [randn([2, 2, 3]).requiresGrad_(), randn([4, 3]).requiresGrad_(), randn([4]).requiresGrad_()]);
  assert.throws(() => F.linear(randn([2, 5]), randn([3, 4])), (e: Error) => e instanceof ShapeError && /linear: input's last dim must equal weight's in_features 4/.test(e.message));
  assert.throws(() => F.linear(randn([2, 4]), randn([3, 4]), randn([4])), /linear: bias must have shape \[3\]/);
});

test('matmul: 2-D, batched and broadcast batch (fixture + gradcheck)', () => {
  const f = loadFixture('ops', 'matmul');
  const a = f.t('a').clone().requiresGrad_();
  const b = f.t('b').clone().requiresGrad_();
  const y = F.matmul(a, b);
  assertClose(y, f.t('y'), { atol: 1e-5 });
  y.backward(f.t('g'));
  assertClose(a.grad!, f.t('ga'), { atol: 1e-5 });
  assertClose(b.grad!, f.t('gb'), { atol: 1e-5 });
  assert.deepEqual(F.matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]])).toArray(), [[17], [39]]);
  gradcheck((p, q) => F.matmul(p, q), [randn([3, 4]).requiresGrad_(), randn([4, 2]).requiresGrad_()]);
  gradcheck((p, q) => F.matmul(p, q), [randn([2, 3, 4]).requiresGrad_(), randn([4, 2]).requiresGrad_()]);
  gradcheck((p, q) => F.matmul(p, q), [randn([3, 4]).requiresGrad_(), randn([2, 4, 2]).requiresGrad_()]);
  assert.throws(() => F.matmul(randn([2, 3]), randn([4, 2])), /matmul: inner dims differ/);
  assert.throws(() => F.matmul(randn([2, 2, 3]), randn([3, 3, 2])), /matmul: batch sizes differ/);
  assert.throws(() => F.matmul(randn([3]), randn([3, 2])), /matmul: operands must be rank 2/);
});
