import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { F, ShapeError, Tensor, ValueError, backend, manualSeed, randn, setNumThreads, getNumThreads } from '../../src/index.js';
import { FIXTURES, assertClose, gradcheck, loadFixture } from '../helpers.js';

type ConvFn = (x: Tensor, w: Tensor, b: Tensor | null, opts: Record<string, unknown>) => Tensor;
const OPS: Record<string, ConvFn> = {
  conv2d: F.conv2d,
  conv3d: F.conv3d,
  conv_transpose2d: F.convTranspose2d,
  conv_transpose3d: F.convTranspose3d,
};

const cases = readdirSync(join(FIXTURES, 'conv'))
  .filter((f) => f.endsWith('.safetensors'))
  .map((f) => f.replace(/\.safetensors$/, ''))
  .sort();

function runFixture(name: string): void {
  const f = loadFixture('conv', name);
  const p = f.params as { op: string; stride: number[]; padding: number[]; dilation: number[]; groups: number; outputPadding: number[] };
  const x = f.t('x').clone().requiresGrad_();
  const w = f.t('w').clone().requiresGrad_();
  const b = f.has('b') ? f.t('b').clone().requiresGrad_() : null;
  const opts: Record<string, unknown> = { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups };
  if (p.op.startsWith('conv_transpose')) opts.outputPadding = p.outputPadding;
  const y = OPS[p.op](x, w, b, opts);
  const tol = { atol: 2e-4, rtol: 1e-4 };
  assertClose(y, f.t('y'), { ...tol, msg: `${name} y` });
  y.backward(f.t('gy'));
  assertClose(x.grad!, f.t('gx'), { ...tol, msg: `${name} gx` });
  assertClose(w.grad!, f.t('gw'), { ...tol, msg: `${name} gw` });
  if (b) assertClose(b.grad!, f.t('gb'), { ...tol, msg: `${name} gb` });
}

test('conv fixtures cover all four ops', () => {
  for (const op of Object.keys(OPS)) assert.ok(cases.filter((c) => c.startsWith(op + '_')).length >= 8, op);
});

for (const name of cases) {
  test(`matches PyTorch: ${name}`, () => runFixture(name));
}

test('matches PyTorch with one thread and with several (threaded chunks agree)', () => {
  const before = getNumThreads();
  try {
    for (const n of [1, 3]) {
      setNumThreads(n);
      for (const name of ['conv3d_k3_s2', 'conv_transpose3d_k3_s2', 'conv2d_depthwise', 'conv_transpose2d_g2']) runFixture(name);
    }
  } finally {
    setNumThreads(before);
  }
});

test('gradcheck: conv3d, stride 2, dilation, groups, bias', () => {
  manualSeed(1);
  const x = randn([2, 4, 5, 4, 6], { requiresGrad: true });
  const w = randn([6, 2, 3, 2, 3], { requiresGrad: true });
  const b = randn([6], { requiresGrad: true });
  gradcheck((a, c, d) => F.conv3d(a, c, d, { stride: [2, 1, 2], padding: 1, dilation: [1, 2, 1], groups: 2 }), [x, w, b]);
});

test('gradcheck: convTranspose2d with outputPadding and groups', () => {
  manualSeed(2);
  const x = randn([2, 4, 3, 4], { requiresGrad: true });
  const w = randn([4, 3, 3, 3], { requiresGrad: true });
  const b = randn([6], { requiresGrad: true });
  gradcheck((a, c, d) => F.convTranspose2d(a, c, d, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), [x, w, b]);
});

test('gradcheck: convTranspose3d depthwise, conv2d pointwise', () => {
  manualSeed(3);
  const x = randn([1, 3, 2, 3, 3], { requiresGrad: true });
  const w = randn([3, 1, 2, 3, 2], { requiresGrad: true });
  gradcheck((a, c) => F.convTranspose3d(a, c, null, { stride: [1, 2, 2], groups: 3 }), [x, w]);
  const x2 = randn([2, 3, 4, 5], { requiresGrad: true });
  const w2 = randn([2, 3, 1, 1], { requiresGrad: true });
  gradcheck((a, c) => F.conv2d(a, c), [x2, w2]);
});

test('transposed convolution is the adjoint of convolution: <conv(x), y> = <x, convT(y)>', () => {
  manualSeed(4);
  const opts = { stride: [2, 1, 3], padding: [1, 0, 2], dilation: [1, 2, 1], groups: 2 };
  const x = randn([2, 4, 7, 6, 8]);
  const w = randn([6, 2, 3, 3, 3]);
  const cx = F.conv3d(x, w, null, opts);
  const y = randn([...cx.shape]);
  // outputPadding restores the input size the stride floored away.
  const op = [0, 1, 2].map((i) => x.shape[2 + i] - ((cx.shape[2 + i] - 1) * opts.stride[i] - 2 * opts.padding[i] + opts.dilation[i] * 2 + 1));
  const ty = F.convTranspose3d(y, w, null, { ...opts, outputPadding: op });
  assert.deepEqual([...ty.shape], [...x.shape]);
  let a = 0;
  let b = 0;
  for (let i = 0; i < cx.size; i++) a += cx.data[i] * y.data[i];
  for (let i = 0; i < x.size; i++) b += x.data[i] * ty.data[i];
  assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a)), `${a} vs ${b}`);
});

test('gradients are computed only for inputs that require them', () => {
  manualSeed(5);
  const x = randn([1, 2, 5, 5]);
  const w = randn([3, 2, 3, 3], { requiresGrad: true });
  const b = randn([3]);
  const y = F.conv2d(x, w, b, { padding: 1 });
  assert.equal(y.requiresGrad, true);
  y.backward(randn([...y.shape]));
  assert.ok(w.grad);
  assert.equal(x.grad, null);
  assert.equal(b.grad, null);
  const z = F.conv2d(x, w.detach(), null);
  assert.equal(z.requiresGrad, false);
  assert.equal(z.gradFn, null);
});

test('bad inputs give clear errors', () => {
  const x5 = randn([1, 4, 4, 4, 4]);
  const w5 = randn([4, 4, 3, 3, 3]);
  const x4 = randn([1, 4, 4, 4]);
  assert.throws(() => F.conv3d(x4, w5), (e: Error) => e instanceof ShapeError && /conv3d: input must be rank 5 \[N, C, D, H, W\], got rank 4/.test(e.message));
  assert.throws(() => F.conv2d(x4, w5), (e: Error) => e instanceof ShapeError && /conv2d: weight must be rank 4/.test(e.message));
  assert.throws(() => F.conv3d(x5, randn([4, 3, 3, 3, 3])), (e: Error) => e instanceof ShapeError && /expects 3 input channels/.test(e.message));
  assert.throws(() => F.conv3d(x5, randn([3, 2, 3, 3, 3]), null, { groups: 2 }), (e: Error) => e instanceof ValueError && /output channels 3/.test(e.message));
  assert.throws(() => F.conv3d(x5, randn([4, 1, 3, 3, 3]), null, { groups: 3 }), (e: Error) => e instanceof ValueError && /groups 3/.test(e.message));
  assert.throws(() => F.conv3d(x5, w5, null, { groups: 0 }), ValueError);
  assert.throws(() => F.conv3d(x5, w5, null, { stride: 0 }), (e: Error) => e instanceof ValueError && /stride must be positive/.test(e.message));
  assert.throws(() => F.conv3d(x5, w5, null, { dilation: [1, 0, 1] }), (e: Error) => e instanceof ValueError && /dilation/.test(e.message));
  assert.throws(() => F.conv3d(x5, w5, null, { padding: -1 }), (e: Error) => e instanceof ValueError && /padding must be non-negative/.test(e.message));
  assert.throws(() => F.conv3d(x5, w5, null, { padding: [1, 1] }), (e: Error) => e instanceof ValueError && /padding must be an int or 3 ints/.test(e.message));
  assert.throws(() => F.conv3d(x5, randn([4, 4, 5, 5, 5])), (e: Error) => e instanceof ShapeError && /output size would be \[0, 0, 0\]/.test(e.message));
  assert.throws(() => F.conv3d(x5, w5, randn([3])), (e: Error) => e instanceof ShapeError && /bias must have shape \[4\]/.test(e.message));
  assert.throws(() => F.convTranspose3d(x5, randn([3, 4, 3, 3, 3])), (e: Error) => e instanceof ShapeError && /expects 3 input channels/.test(e.message));
  assert.throws(
    () => F.convTranspose3d(x5, w5, null, { stride: 2, outputPadding: 2 }),
    (e: Error) => e instanceof ValueError && /outputPadding must be smaller than either stride or dilation/.test(e.message),
  );
  assert.throws(() => F.convTranspose2d(x4, randn([4, 2, 3, 3]), null, { padding: 3 }), (e: Error) => e instanceof ShapeError && /output size would be/.test(e.message));
  assert.throws(() => F.convTranspose2d(x4, randn([4, 2, 3, 3]), null, { outputPadding: -1, stride: 2 }), ValueError);
  // outputPadding may reach the stride when the dilation is larger (PyTorch allows it).
  assert.deepEqual([...F.convTranspose2d(x4, randn([4, 2, 3, 3]), null, { outputPadding: 1, dilation: 2 }).shape], [1, 2, 9, 9]);
});

test('input and weight gradients agree across thread counts (chunked col2im, per-thread partial sums)', () => {
  manualSeed(6);
  const x = randn([1, 3, 9, 7, 6]);
  const w = randn([4, 3, 3, 3, 3]);
  const gy = randn([1, 4, 9, 7, 6]);
  const before = getNumThreads();
  const run = (n: number): Tensor[] => {
    setNumThreads(n);
    const xr = x.clone().requiresGrad_();
    const wr = w.clone().requiresGrad_();
    F.conv3d(xr, wr, null, { padding: 1 }).backward(gy);
    return [xr.grad!, wr.grad!];
  };
  try {
    const [gx1, gw1] = run(1);
    for (const n of [2, 3, 4]) {
      const [gx, gw] = run(n);
      assertClose(gx, gx1, { atol: 1e-4, rtol: 1e-5, msg: `gx, ${n} threads` });
      assertClose(gw, gw1, { atol: 1e-3, rtol: 1e-5, msg: `gw, ${n} threads` });
    }
  } finally {
    setNumThreads(before);
  }
});

test('large same-size conv3d (output ≥ 4 MB: streaming stores, bias in registers) equals the im2col path', () => {
  manualSeed(11);
  const x = randn([2, 5, 24, 26, 25]).requiresGrad_();
  const w = randn([24, 5, 3, 3, 3]).requiresGrad_();
  const b = randn([24]).requiresGrad_();
  const gy = randn([2, 24, 24, 26, 25]);
  const run = (fast: boolean): Tensor[] => {
    backend.setAcsFastPath(fast);
    try {
      x.grad = null;
      w.grad = null;
      b.grad = null;
      const y = F.conv3d(x, w, b, { padding: 1 });
      y.backward(gy);
      return [y, x.grad!, w.grad!, b.grad!];
    } finally {
      backend.setAcsFastPath(true);
    }
  };
  const ref = run(false);
  const got = run(true);
  ['y', 'dx', 'dw', 'db'].forEach((name, i) => assertClose(got[i], ref[i], { atol: 2e-3, rtol: 1e-4, msg: name }));
});
