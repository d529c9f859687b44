import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, ShapeError, randn, tensor, Tensor } from '../../src/index.js';
import { assertClose, gradcheck, loadFixture } from '../helpers.js';

const r = (shape: number[]): Tensor => randn(shape).requiresGrad_();

test('reshape infers -1, shares storage and reports size mismatches', () => {
  const x = randn([2, 3, 4]);
  const y = F.reshape(x, [4, -1]);
  assert.deepEqual([...y.shape], [4, 6]);
  assert.equal(y.data, x.data);
  assert.throws(() => F.reshape(x, [5, -1]), (e: Error) => e instanceof ShapeError && /reshape: shape \[5, -1\] is invalid for input of size 24/.test(e.message));
  assert.throws(() => F.reshape(x, [2, 3]), /reshape: shape \[2, 3\] is invalid/);
  assert.throws(() => F.reshape(x, [-1, -1]), /only one dimension can be -1/);
  gradcheck((t) => F.reshape(t, [6, 4]), [r([2, 3, 4])]);
});

test('flatten / unsqueeze / squeeze', () => {
  const x = randn([2, 3, 1, 4]);
  assert.deepEqual([...F.flatten(x).shape], [2, 12]);
  assert.deepEqual([...F.flatten(x, 0, 1).shape], [6, 1, 4]);
  assert.deepEqual([...F.flatten(x, 0).shape], [24]);
  assert.deepEqual([...F.unsqueeze(x, 0).shape], [1, 2, 3, 1, 4]);
  assert.deepEqual([...F.unsqueeze(x, -1).shape], [2, 3, 1, 4, 1]);
  assert.deepEqual([...F.squeeze(x).shape], [2, 3, 4]);
  assert.deepEqual([...F.squeeze(x, 2).shape], [2, 3, 4]);
  assert.deepEqual([...F.squeeze(x, 0).shape], [2, 3, 1, 4]);
  assert.throws(() => F.flatten(x, 3, 1), /flatten: startDim 3 must not come after endDim 1/);
  assert.throws(() => F.unsqueeze(x, 6), /unsqueeze: axis 6/);
  gradcheck((t) => F.squeeze(F.unsqueeze(t, 1)), [r([3, 2])]);
});

test('permute reorders and its gradient is the inverse permutation', () => {
  const x = tensor([[[1, 2], [3, 4], [5, 6]]]); // [1, 3, 2]
  assert.deepEqual(F.permute(x, [2, 0, 1]).toArray(), [[[1, 3, 5]], [[2, 4, 6]]]);
  gradcheck((t) => F.permute(t, [2, 0, 3, 1]), [r([2, 3, 4, 2])]);
  assert.throws(() => F.permute(x, [0, 1]), /permute: dims \[0, 1\] must list each of the 3 dims/);
  assert.throws(() => F.permute(x, [0, 1, 1]), /permute: dims \[0, 1, 1\] repeat a dim/);
  const lab = tensor([1, -100, 2, 3], [2, 2], { dtype: 'int32' });
  const pl = F.permute(lab, [1, 0]);
  assert.equal(pl.dtype, 'int32');
  assert.deepEqual([...pl.data], [1, 2, -100, 3]);
});

test('cat and stack', () => {
  const a = tensor([[1, 2]]);
  const b = tensor([[3, 4], [5, 6]]);
  assert.deepEqual(F.cat([a, b], 0).toArray(), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(F.cat([tensor([[1], [2]]), b], 1).toArray(), [[1, 3, 4], [2, 5, 6]]);
  assert.deepEqual(F.stack([a, tensor([[7, 8]])], 0).toArray(), [[[1, 2]], [[7, 8]]]);
  assert.deepEqual([...F.stack([a, a, a], -1).shape], [1, 2, 3]);
  assert.throws(() => F.cat([a, tensor([[1, 2, 3]])], 0), (e: Error) => e instanceof ShapeError && /cat: tensors\[1\] has shape \[1, 3\]/.test(e.message));
  assert.throws(() => F.stack([a, b]), /stack: tensors\[1\] has shape \[2, 2\], expected \[1, 2\]/);
  assert.throws(() => F.cat([], 0), /cat: needs a non-empty array/);
  gradcheck((x, y, z) => F.cat([x, y, z], 1), [r([2, 1, 3]), r([2, 3, 3]), r([2, 2, 3])]);
  gradcheck((x, y) => F.stack([x, y], 1), [r([2, 3]), r([2, 3])]);
});

test('slice with step, negative and clamped bounds', () => {
  const x = tensor([0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual([...F.slice(x, 0, 1, 7, 3).data], [1, 4]);
  assert.deepEqual([...F.slice(x, 0, -3).data], [5, 6, 7]);
  assert.deepEqual([...F.slice(x, 0, 2, 100).data], [2, 3, 4, 5, 6, 7]);
  assert.deepEqual([...F.slice(x, 0, 5, 2).data], []);
  const m = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(F.slice(m, 1, 0, 3, 2).toArray(), [[1, 3], [4, 6]]);
  assert.throws(() => F.slice(m, 1, 0, 3, 0), /slice: step must be a positive integer/);
  gradcheck((t) => F.slice(t, 2, 1, 5, 2), [r([2, 3, 6])]);
});

test('pad uses PyTorch order, fills the value and crops with negative pads (fixture)', () => {
  assert.deepEqual(F.pad(tensor([[1, 2], [3, 4]]), [1, 0, 0, 1]).toArray(), [[0, 1, 2], [0, 3, 4], [0, 0, 0]]);
  const f = loadFixture('ops', 'pad_reduce');
  const x = f.t('x').clone().requiresGrad_();
  const pads = f.params.pads as number[];
  const y = F.pad(x, pads, 0.5);
  assertClose(y, f.t('pad'), { atol: 0 });
  y.backward(f.t('g'));
  assertClose(x.grad!, f.t('pad_gx'), { atol: 0 });
  assert.throws(() => F.pad(randn([2, 2]), [1, 1, 1]), /pad: pads must have an even length/);
  assert.throws(() => F.pad(randn([2, 2]), [-3, 0]), /pad: pads \[-3, 0\] give a negative size/);
  gradcheck((t) => F.pad(t, [2, 1, 0, 1]), [r([2, 2, 3])]);
});

test('expand broadcasts and sums the gradient back', () => {
  const x = tensor([[1], [2]]);
  assert.deepEqual(F.expand(x, [2, 3]).toArray(), [[1, 1, 1], [2, 2, 2]]);
  assert.deepEqual([...F.expand(x, [4, -1, 2]).shape], [4, 2, 2]);
  assert.throws(() => F.expand(tensor([1, 2, 3]), [2, 4]), /expand: cannot expand shape \[3\] to \[2, 4\]/);
  gradcheck((t) => F.expand(t, [3, 2, 4]), [r([2, 1])]);
});
