import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, ShapeError, ValueError, nn, randn, zeros, ones } from '../../src/index.js';
import { assertClose } from '../helpers.js';

function channelMean(x: { data: Float32Array; shape: readonly number[] }, c: number): number {
  const [n, C] = x.shape;
  const s = x.data.length / (n * C);
  let acc = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < s; k++) acc += x.data[(i * C + c) * s + k];
  return acc / (n * s);
}

test('BatchNorm2d: state dict names, training updates, eval uses running stats', () => {
  const bn = new nn.BatchNorm2d(3);
  assert.deepEqual([...bn.stateDict().keys()], ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
  assert.equal(bn.numBatchesTracked!.dtype, 'int32');
  const x = randn([4, 3, 2, 2]);
  const rm = zeros([3]);
  const rv = ones([3]);
  const y = bn.forward(x);
  assertClose(y, F.batchNorm(x, rm, rv, ones([3]), zeros([3]), { training: true }));
  assertClose(bn.runningMean!, rm);
  assertClose(bn.runningVar!, rv);
  assert.equal(bn.numBatchesTracked!.data[0], 1);
  bn.eval();
  const ye = bn.forward(x);
  assertClose(ye, F.batchNorm(x, rm, rv, ones([3]), zeros([3])));
  assert.equal(bn.numBatchesTracked!.data[0], 1, 'eval does not count batches');
  assertClose(bn.runningMean!, rm, { msg: 'eval leaves running stats' });
});

test('BatchNorm momentum null is the cumulative average of batch means', () => {
  const bn = new nn.BatchNorm1d(2, { momentum: null });
  const a = randn([5, 2, 3]);
  const b = randn([5, 2, 3]);
  bn.forward(a);
  bn.forward(b);
  for (let c = 0; c < 2; c++) {
    assert.ok(Math.abs(bn.runningMean!.data[c] - (channelMean(a, c) + channelMean(b, c)) / 2) < 1e-5);
  }
  assert.equal(bn.extraRepr(), '2, eps=1e-05, momentum=None, affine=True, track_running_stats=True');
});

test('BatchNorm without running stats or affine uses batch stats in eval too', () => {
  const bn = new nn.BatchNorm3d(2, { affine: false, trackRunningStats: false }).eval();
  assert.equal(bn.stateDict().size, 0);
  assert.equal(bn.parameters().length, 0);
  const x = randn([2, 2, 2, 2, 3]);
  assertClose(bn.forward(x), F.batchNorm(x, null, null, null, null, { training: true }));
  assert.equal(bn.toString(), 'BatchNorm3d(2, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)');
});

test('BatchNorm gradients reach weight and bias; rank and channel checks', () => {
  const bn = new nn.BatchNorm2d(2);
  const x = randn([3, 2, 2, 2], { requiresGrad: true });
  bn.forward(x).backward(ones([3, 2, 2, 2]));
  assert.ok(bn.weight!.grad && bn.bias!.grad && x.grad);
  assertClose(bn.bias!.grad!, [12, 12]);
  assert.throws(() => bn.forward(randn([3, 2, 4])), (e: Error) => e instanceof ShapeError && /expected 4D/.test(e.message));
  assert.throws(() => bn.forward(randn([3, 5, 2, 2])), ShapeError);
  assert.throws(() => new nn.BatchNorm1d(3).forward(randn([2, 3, 4, 4])), ShapeError);
});

test('InstanceNorm: defaults, running stats when tracked, eval with running stats', () => {
  const inorm = new nn.InstanceNorm3d(3);
  assert.equal(inorm.toString(), 'InstanceNorm3d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)');
  assert.equal(inorm.stateDict().size, 0);
  const x = randn([2, 3, 2, 3, 2]);
  assertClose(inorm.forward(x), F.instanceNorm(x));
  const tracked = new nn.InstanceNorm2d(2, { affine: true, trackRunningStats: true });
  assert.deepEqual([...tracked.stateDict().keys()], ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
  const x2 = randn([2, 2, 3, 3]);
  const rm = zeros([2]);
  const rv = ones([2]);
  assertClose(tracked.forward(x2), F.instanceNorm(x2, { weight: ones([2]), bias: zeros([2]), runningMean: rm, runningVar: rv }));
  assertClose(tracked.runningMean!, rm);
  tracked.eval();
  assertClose(tracked.forward(x2), F.instanceNorm(x2, { weight: ones([2]), bias: zeros([2]), runningMean: rm, runningVar: rv, useInputStats: false }));
  assert.throws(() => inorm.forward(randn([3, 2, 3, 2])), ShapeError);
});

test('GroupNorm: parameters, repr, forward and validation', () => {
  const gn = new nn.GroupNorm(2, 4);
  assert.deepEqual([...gn.stateDict().keys()], ['weight', 'bias']);
  assert.equal(gn.toString(), 'GroupNorm(2, 4, eps=1e-05, affine=True)');
  const x = randn([2, 4, 3, 3]);
  assertClose(gn.forward(x), F.groupNorm(x, 2, ones([4]), zeros([4])));
  assert.equal(new nn.GroupNorm(1, 3, { affine: false }).parameters().length, 0);
  assert.throws(() => new nn.GroupNorm(3, 4), ValueError);
  assert.throws(() => gn.forward(randn([2, 3, 3])), ShapeError);
});
