import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, ValueError, ShapeError, manualSeed, nn, randn } from '../../src/index.js';
import { assertClose } from '../helpers.js';

test('layers print like PyTorch', () => {
  assert.equal(new nn.Conv3d(16, 32, 3, { padding: 1 }).toString(), 'Conv3d(16, 32, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1))');
  assert.equal(
    new nn.Conv2d(4, 8, [3, 1], { stride: 2, groups: 2, bias: false, dilation: [2, 1] }).toString(),
    'Conv2d(4, 8, kernel_size=(3, 1), stride=(2, 2), dilation=(2, 1), groups=2, bias=False)',
  );
  assert.equal(
    new nn.ConvTranspose3d(8, 4, 2, { stride: 2, outputPadding: 1 }).toString(),
    'ConvTranspose3d(8, 4, kernel_size=(2, 2, 2), stride=(2, 2, 2), output_padding=(1, 1, 1))',
  );
  assert.equal(
    new nn.ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 4 }).toString(),
    'ConvTranspose2d(8, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1), groups=4)',
  );
});

test('parameters have PyTorch names and layouts; options are readable fields', () => {
  const c = new nn.Conv3d(4, 6, [1, 3, 3], { stride: [1, 2, 2], groups: 2 });
  assert.deepEqual([...c.stateDict().keys()], ['weight', 'bias']);
  assert.deepEqual([...c.weight.shape], [6, 2, 1, 3, 3]);
  assert.deepEqual([...c.kernelSize], [1, 3, 3]);
  assert.deepEqual([...c.stride], [1, 2, 2]);
  assert.deepEqual([...c.padding], [0, 0, 0]);
  assert.deepEqual([...c.dilation], [1, 1, 1]);
  assert.deepEqual([...c.outputPadding], [0, 0, 0]);
  assert.equal(c.groups, 2);
  assert.equal(c.hasBias, true);
  const t = new nn.ConvTranspose2d(4, 6, 2, { groups: 2, bias: false });
  assert.deepEqual([...t.stateDict().keys()], ['weight']);
  assert.deepEqual([...t.weight.shape], [4, 3, 2, 2]);
  assert.equal(t.bias, null);
  assert.equal(t.hasBias, false);
});

test('default init bounds follow PyTorch (transposed: fan-in from weight dim 1)', () => {
  manualSeed(0);
  const check = (m: nn.ConvNd, fanIn: number): void => {
    const bound = 1 / Math.sqrt(fanIn);
    const maxAbs = (a: Float32Array): number => a.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
    assert.ok(maxAbs(m.weight.data) <= bound && maxAbs(m.weight.data) > 0.9 * bound, `${m} weight`);
    assert.ok(m.bias && maxAbs(m.bias.data) <= bound && maxAbs(m.bias.data) > 0.5 * bound, `${m} bias`);
  };
  check(new nn.Conv3d(8, 16, 3), 8 * 27);
  check(new nn.Conv2d(8, 16, 3, { groups: 4 }), 2 * 9);
  check(new nn.ConvTranspose3d(16, 8, 2, { groups: 2 }), 4 * 8);
  check(new nn.ConvTranspose2d(4, 32, 3), 32 * 9);
});

test('forward equals the functional op and trains its parameters', () => {
  manualSeed(1);
  const c = new nn.Conv3d(3, 4, 3, { padding: 1, stride: [1, 2, 2] });
  const x = randn([2, 3, 4, 6, 6]);
  const y = c.forward(x);
  assertClose(y, F.conv3d(x, c.weight.detach(), c.bias!.detach(), { padding: 1, stride: [1, 2, 2] }));
  assert.deepEqual([...y.shape], [2, 4, 4, 3, 3]);
  y.backward(randn([...y.shape]));
  assert.ok(c.weight.grad && c.bias!.grad);
});

test('ConvTranspose outputSize selects the output padding', () => {
  manualSeed(2);
  const t = new nn.ConvTranspose3d(4, 2, 3, { stride: 2, padding: 1 });
  const x = randn([1, 4, 3, 4, 5]);
  assert.deepEqual([...t.forward(x).shape], [1, 2, 5, 7, 9]);
  assert.deepEqual([...t.forward(x, [6, 7, 10]).shape], [1, 2, 6, 7, 10]);
  assert.deepEqual([...t.forward(x, [1, 2, 6, 8, 9]).shape], [1, 2, 6, 8, 9]);
  assert.throws(() => t.forward(x, [7, 7, 9]), (e: Error) => e instanceof ValueError && /not in \[5, 6\]/.test(e.message));
  assert.throws(() => t.forward(x, [7, 7]), ShapeError);
  const t2 = new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1, outputPadding: 1 });
  assert.deepEqual([...t2.forward(randn([1, 4, 3, 4])).shape], [1, 2, 6, 8]);
});

test('bad layer options are rejected with clear messages', () => {
  assert.throws(() => new nn.Conv3d(3, 4, 3, { groups: 2 }), (e: Error) => e instanceof ValueError && /inChannels 3 must be divisible by groups 2/.test(e.message));
  assert.throws(() => new nn.Conv2d(4, 3, 3, { groups: 2 }), (e: Error) => e instanceof ValueError && /outChannels 3/.test(e.message));
  assert.throws(() => new nn.Conv2d(4, 4, [3, 3, 3]), (e: Error) => e instanceof ValueError && /kernelSize must be an int or 2 ints/.test(e.message));
  assert.throws(() => new nn.Conv3d(0, 4, 3), ValueError);
  assert.throws(() => new nn.ConvTranspose2d(4, 4, 3, { stride: 2, outputPadding: 2 }), ValueError);
  assert.throws(() => new nn.Conv3d(4, 4, 3).forward(randn([1, 4, 5, 5])), ShapeError);
});
