import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, ShapeError, randn, tensor, Tensor } from '../../src/index.js';
import { assertClose, gradcheck, loadFixture } from '../helpers.js';

type Act = (x: Tensor) => Tensor;

const acts: Record<string, Act> = {
  gelu: (x) => F.gelu(x),
  gelu_tanh: (x) => F.gelu(x, 'tanh'),
  hardswish: F.hardswish,
  hardsigmoid: F.hardsigmoid,
  silu: F.silu,
  sigmoid: F.sigmoid,
  tanh: F.tanh,
  leaky_relu: (x) => F.leakyRelu(x, 0.2),
  relu: F.relu,
};

test('activations match PyTorch values and gradients (fixture)', () => {
  const f = loadFixture('ops', 'activations');
  for (const [name, fn] of Object.entries(acts)) {
    const x = f.t('x').clone().requiresGrad_();
    const y = fn(x);
    assertClose(y, f.t(name), { atol: 2e-6, rtol: 1e-5, msg: name });
    y.backward(f.t('g'));
    assertClose(x.grad!, f.t(`${name}_gx`), { atol: 2e-6, rtol: 1e-5, msg: `${name} grad` });
  }
});

test('activations pass gradcheck away from kinks', () => {
  const x = (): Tensor => tensor([-4.1, -2.5, -1.1, -0.3, 0.35, 1.2, 2.6, 4.2], undefined, { requiresGrad: true });
  for (const [name, fn] of Object.entries(acts)) {
    assert.doesNotThrow(() => gradcheck(fn, [x()], { eps: 1e-3 }), name);
  }
});

test('sigmoid and softmax do not overflow on large inputs', () => {
  const s = F.sigmoid(tensor([-1000, 1000, 0, -30]));
  assert.ok(s.data.every((v) => Number.isFinite(v)));
  assertClose(s, [0, 1, 0.5, 9.357623e-14], { atol: 1e-30, rtol: 1e-5 });
  assertClose(F.tanh(tensor([-1000, 1000, 0])), [-1, 1, 0], { atol: 0 });
  const y = F.softmax(tensor([1000, 1000, -1000]), 0);
  assertClose(y, [0.5, 0.5, 0]);
  const ls = F.logSoftmax(tensor([1000, 0]), 0);
  assertClose(ls, [0, -1000]);
});

test('softmax / logSoftmax match PyTorch along a middle and the last dim (fixture)', () => {
  const f = loadFixture('ops', 'softmax');
  for (const [dim, tag] of [[1, 'd1'], [-1, 'dlast']] as const) {
    for (const [fn, key] of [[F.softmax, 'softmax'], [F.logSoftmax, 'log_softmax']] as const) {
      const x = f.t('x').clone().requiresGrad_();
      const y = fn(x, dim);
      assertClose(y, f.t(`${key}_${tag}`), { atol: 1e-5, msg: `${key} ${tag}` });
      y.backward(f.t('g'));
      assertClose(x.grad!, f.t(`${key}_${tag}_gx`), { atol: 1e-5, msg: `${key} ${tag} grad` });
    }
  }
});

test('softmax gradcheck on a channel dim of [N, C, D, H, W]', () => {
  gradcheck((x) => F.softmax(x, 1), [randn([2, 3, 2, 2, 1]).requiresGrad_()], { eps: 1e-3 });
  gradcheck((x) => F.logSoftmax(x, 1), [randn([2, 3, 2, 2, 1]).requiresGrad_()], { eps: 1e-3 });
  gradcheck((x) => F.logSoftmax(x, -1), [randn([3, 4]).requiresGrad_()], { eps: 1e-3 });
});

test('softmax rows sum to one; bad dims are reported', () => {
  const y = F.softmax(randn([2, 4, 3]), 1);
  for (let n = 0; n < 2; n++) for (let j = 0; j < 3; j++) {
    let s = 0;
    for (let c = 0; c < 4; c++) s += y.data[(n * 4 + c) * 3 + j];
    assert.ok(Math.abs(s - 1) < 1e-6);
  }
  assert.throws(() => F.softmax(randn([2, 3]), 2), (e: Error) => e instanceof ShapeError && /softmax: axis 2/.test(e.message));
});

test('relu keeps NaN and has zero gradient at 0', () => {
  const x = tensor([NaN, -1, 0, 2], undefined, { requiresGrad: true });
  const y = F.relu(x);
  assert.ok(Number.isNaN(y.data[0]));
  assert.deepEqual([...y.data.subarray(1)], [0, 0, 2]);
  y.backward(tensor([1, 1, 1, 1]));
  assert.deepEqual([...x.grad!.data.subarray(1)], [0, 0, 1]);
});
