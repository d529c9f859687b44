import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F, ShapeError, UnsupportedError, ValueError, manualSeed, nn, randn } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const maxAbs = (d: Float32Array): number => d.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('nn.ACSConv', () => {
  it('has 2D-shaped weights, PyTorch default init bounds, state-dict names and the split in toString', () => {
    manualSeed(1);
    const m = new nn.ACSConv(8, 10, 3, { padding: 1 });
    assert.deepEqual([...m.weight.shape], [10, 8, 3, 3]);
    assert.deepEqual([...m.stateDict().keys()], ['weight', 'bias']);
    assert.deepEqual([...m.acsKernelSplit], [4, 3, 3]);
    // kaiming_uniform(a=√5) on fan_in = 8·9 → bound 1/√72; bias bound the same.
    const bound = 1 / Math.sqrt(72);
    assert.ok(maxAbs(m.weight.data) <= bound && maxAbs(m.weight.data) > 0.8 * bound);
    assert.ok(maxAbs(m.bias!.data) <= bound);
    assert.equal(m.toString(), 'ACSConv(8, 10, kernelSize=3, stride=[1, 1, 1], padding=[1, 1, 1], acsKernelSplit=[4, 3, 3])');
    assert.deepEqual([m.inChannels, m.outChannels, m.kernelSize, m.groups, m.hasBias], [8, 10, 3, 1, true]);
  });

  it('forward equals F.acsConv and trains (gradients reach weight and bias)', () => {
    const m = new nn.ACSConv(3, 5, [3, 3], { stride: [1, 2, 1], padding: 1, acsKernelSplit: [1, 1, 3] });
    const x = randn([2, 3, 5, 6, 4]);
    const y = m.forward(x);
    assertClose(y, F.acsConv(x, m.weight.detach(), m.bias!.detach(), { stride: [1, 2, 1], padding: 1, acsKernelSplit: [1, 1, 3] }));
    y.backward(randn([...y.shape]));
    assert.ok(m.weight.grad && m.bias!.grad);
  });

  it('loads a state dict by name and rejects bad configurations clearly', () => {
    const a = new nn.ACSConv(4, 6, 3, { bias: false, groups: 2, acsKernelSplit: [3, 0, 3] });
    const b = new nn.ACSConv(4, 6, 3, { bias: false, groups: 2, acsKernelSplit: [3, 0, 3] });
    b.loadStateDict(a.stateDict());
    assert.deepEqual([...b.weight.data], [...a.weight.data]);
    assert.match(a.toString(), /groups=2, bias=false, acsKernelSplit=\[3, 0, 3\]/);
    assert.throws(() => new nn.ACSConv(4, 6, [3, 5]), (e: Error) => e instanceof ValueError && /kernelSize.*square/.test(e.message));
    assert.throws(() => new nn.ACSConv(4, 6, 3, { groups: 2 }), (e: Error) => e instanceof UnsupportedError && /\[3, 3, 0\]/.test(e.message));
    assert.throws(() => new nn.ACSConv(4, 6, 3, { acsKernelSplit: [1, 1, 1] }), (e: Error) => e instanceof ValueError && /sum/.test(e.message));
    assert.throws(() => new nn.ACSConv(4, 6, 3).forward(randn([1, 4, 6, 6])), (e: Error) => e instanceof ShapeError && /rank 5/.test(e.message));
  });

  it('depthwise ACS (groups = channels) with the default split', () => {
    const m = new nn.ACSConv(6, 6, 3, { groups: 6, padding: 1 });
    assert.deepEqual([...m.weight.shape], [6, 1, 3, 3]);
    const y = m.forward(randn([1, 6, 4, 4, 4]));
    assert.deepEqual([...y.shape], [1, 6, 4, 4, 4]);
  });
});

describe('nn.SoftACSConv', () => {
  it('has soft_w_core [out, 3] in [0, 1) and forwards like F.softAcsConv', () => {
    const m = new nn.SoftACSConv(3, 4, 3, { padding: 1 });
    assert.deepEqual([...m.stateDict().keys()], ['weight', 'bias', 'soft_w_core']);
    assert.ok(m.softWCore!.data.every((v) => v >= 0 && v < 1));
    const x = randn([1, 3, 4, 5, 4]);
    assertClose(m.forward(x), F.softAcsConv(x, m.weight, m.softWCore, m.bias, { padding: 1 }));
    assert.match(m.toString(), /^SoftACSConv\(3, 4, kernelSize=3/);
  });
  it('mean=true has no soft weights (MeanACS)', () => {
    const m = new nn.SoftACSConv(3, 4, 3, { padding: 1, mean: true });
    assert.deepEqual([...m.stateDict().keys()], ['weight', 'bias']);
    assert.match(m.toString(), /mean=true/);
    const x = randn([1, 3, 4, 5, 4]);
    assertClose(m.forward(x), F.softAcsConv(x, m.weight, null, m.bias, { padding: 1, mean: true }));
  });
});

describe('nn.Conv2_5d', () => {
  it('pads an int padding only in-plane (as the reference) and follows F.conv2_5d', () => {
    const m = new nn.Conv2_5d(2, 3, 3, { padding: 1, axis: 'H' });
    assert.deepEqual([...m.padding], [1, 0, 1]);
    assert.equal(m.axis, 'H');
    const x = randn([1, 2, 5, 6, 7]);
    const y = m.forward(x);
    assert.deepEqual([...y.shape], [1, 3, 5, 6, 7]);
    assertClose(y, F.conv2_5d(x, m.weight, m.bias, { padding: [1, 0, 1], axis: 'H' }));
    assert.match(m.toString(), /axis=H/);
  });
});

describe('nn.ACSConvTranspose', () => {
  it('has ConvTranspose2d-shaped weights, splits the input channels and upsamples', () => {
    const m = new nn.ACSConvTranspose(6, 4, 3, { stride: 2, padding: 1, outputPadding: 1 });
    assert.deepEqual([...m.weight.shape], [6, 4, 3, 3]);
    assert.deepEqual([...m.bias!.shape], [4]);
    assert.deepEqual([...m.acsKernelSplit], [2, 2, 2]);
    assert.deepEqual([...m.outputPadding], [1, 1, 1]);
    const y = m.forward(randn([1, 6, 3, 4, 5]));
    assert.deepEqual([...y.shape], [1, 4, 6, 8, 10]);
    assert.match(m.toString(), /outputPadding=\[1, 1, 1\], acsKernelSplit=\[2, 2, 2\]/);
    // fan_in of a transposed weight is dim 1 × k² (PyTorch's rule): bound 1/√36.
    assert.ok(maxAbs(m.weight.data) <= 1 / 6);
  });
});
