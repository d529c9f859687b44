import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, ShapeError, ValueError, randn, tensor, Tensor } from '../../src/index.js';
import { assertClose, gradcheck } from '../helpers.js';

const rq = (shape: number[], seedShift = 0): Tensor => {
  const t = randn(shape);
  for (let i = 0; i < seedShift; i++) t.data[i % t.size] += 0.1;
  return t.requiresGrad_();
};

test('add/sub/mul/div broadcast like PyTorch', () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  const b = tensor([10, 20, 30]);
  const col = tensor([[2], [4]]);
  assert.deepEqual(F.add(a, b).toArray(), [[11, 22, 33], [14, 25, 36]]);
  assert.deepEqual(F.sub(b, a).toArray(), [[9, 18, 27], [6, 15, 24]]);
  assert.deepEqual(F.mul(a, col).toArray(), [[2, 4, 6], [16, 20, 24]]);
  assert.deepEqual(F.div(a, col).toArray(), [[0.5, 1, 1.5], [1, 1.25, 1.5]]);
  // [2,1] with [3] → [2,3]: both operands broadcast.
  assert.deepEqual(F.add(col, b).toArray(), [[12, 22, 32], [14, 24, 34]]);
  assert.deepEqual(F.sub(10, a).toArray(), [[9, 8, 7], [6, 5, 4]]);
  assert.deepEqual(F.div(a, 2).toArray(), [[0.5, 1, 1.5], [2, 2.5, 3]]);
  assert.deepEqual([...F.add(a, tensor(1, [])).shape], [2, 3]);
});

test('binary ops on a channel bias [C,1,1] over [N,C,H,W]', () => {
  const x = randn([2, 3, 2, 2]);
  const bias = tensor([1, 2, 3], [3, 1, 1]);
  const y = F.add(x, bias);
  for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) for (let k = 0; k < 4; k++) {
    const i = (n * 3 + c) * 4 + k;
    assert.ok(Math.abs(y.data[i] - (x.data[i] + c + 1)) < 1e-6);
  }
});

test('mismatched broadcast shapes name the op', () => {
  assert.throws(() => F.add(randn([2, 3]), randn([4])), (e: Error) => e instanceof ShapeError && /add: shapes \[2, 3\] and \[4\]/.test(e.message));
  assert.throws(() => F.mul(randn([2, 3]), randn([3, 2])), /mul: shapes/);
  assert.throws(() => F.add(1 as never, 2 as never), ValueError);
  assert.throws(() => F.clamp(randn([2])), /clamp: at least one/);
});

test('gradients reduce back to each input shape (broadcast)', () => {
  gradcheck((a, b) => F.add(a, b), [rq([2, 3, 4]), rq([3, 1])]);
  gradcheck((a, b) => F.sub(a, b), [rq([3, 1]), rq([2, 3, 4])]);
  gradcheck((a, b) => F.mul(a, b), [rq([2, 3, 4]), rq([1, 4])]);
  gradcheck((a, b) => F.mul(a, b), [rq([2, 1, 4]), rq([3, 1])]);
  const den = randn([3, 4]);
  for (let i = 0; i < den.size; i++) den.data[i] = 1.5 + Math.abs(den.data[i]);
  gradcheck((a, b) => F.div(a, b), [rq([2, 3, 4]), den.requiresGrad_()]);
  gradcheck((a) => F.div(2, F.add(F.mul(a, a), 1)), [rq([5])]);
});

test('scalar operands keep gradients for the tensor side', () => {
  const a = tensor([1, 2, 3], undefined, { requiresGrad: true });
  F.sum(F.mul(F.sub(3, a), 2)).backward();
  assert.deepEqual([...a.grad!.data], [-2, -2, -2]);
});

test('unary ops: values and gradients', () => {
  const x = tensor([-2, -0.5, 0.25, 1, 3]);
  assertClose(F.neg(x), [2, 0.5, -0.25, -1, -3]);
  assertClose(F.exp(x), [...x.data].map(Math.exp));
  assertClose(F.abs(x), [2, 0.5, 0.25, 1, 3]);
  assertClose(F.pow(x, 2), [4, 0.25, 0.0625, 1, 9]);
  assertClose(F.pow(tensor([4, 9]), 0.5), [2, 3]);
  assertClose(F.pow(tensor([2, 3]), 3), [8, 27]);
  assertClose(F.clamp(x, -1, 1), [-1, -0.5, 0.25, 1, 1]);
  assertClose(F.clamp(x, null, 0), [-2, -0.5, 0, 0, 0]);
  const pos = tensor([0.5, 1, 4]);
  assertClose(F.log(pos), [Math.log(0.5), 0, Math.log(4)]);
  assertClose(F.sqrt(pos), [Math.SQRT1_2, 1, 2]);
  const p = (): Tensor => tensor([0.5, 1.3, 2, 3.1], undefined, { requiresGrad: true });
  gradcheck((t) => F.exp(t), [p()]);
  gradcheck((t) => F.log(t), [p()], { eps: 1e-3 });
  gradcheck((t) => F.sqrt(t), [p()], { eps: 1e-3 });
  gradcheck((t) => F.pow(t, 3), [p()], { eps: 1e-3 });
  gradcheck((t) => F.pow(t, -1.5), [p()], { eps: 1e-3 });
  gradcheck((t) => F.neg(t), [p()]);
  gradcheck((t) => F.abs(t), [tensor([-1.2, -0.3, 0.4, 2], undefined, { requiresGrad: true })]);
  gradcheck((t) => F.clamp(t, 0.8, 2.5), [p()]);
});

test('abs and clamp gradients at the kinks follow PyTorch', () => {
  const a = tensor([0, 1, -1], undefined, { requiresGrad: true });
  F.sum(F.abs(a)).backward();
  assert.deepEqual([...a.grad!.data], [0, 1, -1]);
  const c = tensor([0, 1, 2], undefined, { requiresGrad: true });
  F.sum(F.clamp(c, 0, 1)).backward();
  assert.deepEqual([...c.grad!.data], [1, 1, 0]);
});

test('inputs are never modified', () => {
  const a = randn([3, 4]);
  const copy = a.data.slice();
  F.add(a, 1);
  F.mul(a, a);
  F.clamp(a, 0, 1);
  F.exp(a);
  assert.deepEqual(a.data, copy);
});
