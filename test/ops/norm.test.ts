import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { F, ShapeError, Tensor, ValueError, ones, randn, zeros } from '../../src/index.js';
import { FIXTURES, assertClose, gradcheck, loadFixture } from '../helpers.js';

const cases = readdirSync(join(FIXTURES, 'norm'))
  .filter((f) => f.endsWith('.safetensors'))
  .map((f) => f.replace(/\.safetensors$/, ''));

for (const name of cases) {
  test(`norm matches PyTorch: ${name}`, () => {
    const f = loadFixture('norm', name);
    const p = f.params;
    const x = f.t('x').requiresGrad_();
    const w = f.has('weight') ? f.t('weight').requiresGrad_() : null;
    const b = f.has('bias') ? f.t('bias').requiresGrad_() : null;
    const rm = f.has('rm_before') ? f.t('rm_before').clone() : null;
    const rv = f.has('rv_before') ? f.t('rv_before').clone() : null;
    let y: Tensor;
    if (p.op === 'batchNorm') {
      y = F.batchNorm(x, rm, rv, w, b, { training: p.training as boolean, momentum: p.momentum as number });
    } else if (p.op === 'instanceNorm') {
      y = F.instanceNorm(x, { weight: w, bias: b, runningMean: rm, runningVar: rv, useInputStats: p.useInputStats as boolean, momentum: p.momentum as number });
    } else {
      y = F.groupNorm(x, p.numGroups as number, w, b);
    }
    assertClose(y, f.t('y'), { atol: 2e-5, msg: `${name} forward` });
    if (rm && rv) {
      assertClose(rm, f.t('rm_after'), { atol: 1e-6, msg: `${name} running mean` });
      assertClose(rv, f.t('rv_after'), { atol: 1e-6, msg: `${name} running var` });
    }
    y.backward(f.t('gy'));
    assertClose(x.grad!, f.t('gx'), { atol: 5e-5, rtol: 1e-3, msg: `${name} grad x` });
    if (w && b) {
      assertClose(w.grad!, f.t('gw'), { atol: 5e-5, rtol: 1e-3, msg: `${name} grad weight` });
      assertClose(b.grad!, f.t('gb'), { atol: 5e-5, rtol: 1e-3, msg: `${name} grad bias` });
    }
  });
}

test('norm gradchecks for input, weight and bias', () => {
  const x = randn([2, 3, 2, 3], { requiresGrad: true });
  const w = randn([3], { requiresGrad: true });
  const b = randn([3], { requiresGrad: true });
  gradcheck((x, w, b) => F.batchNorm(x, null, null, w, b, { training: true }), [x, w, b], { eps: 3e-3 });
  gradcheck((x, w, b) => F.batchNorm(x, zeros([3]), ones([3]), w, b), [x, w, b], { eps: 3e-3 });
  gradcheck((x, w, b) => F.instanceNorm(x, { weight: w, bias: b }), [x, w, b], { eps: 3e-3 });
  const x6 = randn([2, 6, 3], { requiresGrad: true });
  const w6 = randn([6], { requiresGrad: true });
  gradcheck((x, w) => F.groupNorm(x, 2, w, null), [x6, w6], { eps: 3e-3 });
});

test('batch norm normalises each channel to zero mean and unit variance', () => {
  const x = randn([8, 2, 5]);
  const y = F.batchNorm(x, null, null, null, null, { training: true, eps: 0 });
  for (let c = 0; c < 2; c++) {
    let s = 0;
    let s2 = 0;
    for (let n = 0; n < 8; n++) for (let i = 0; i < 5; i++) {
      const v = y.data[(n * 2 + c) * 5 + i];
      s += v;
      s2 += v * v;
    }
    assert.ok(Math.abs(s / 40) < 1e-5 && Math.abs(s2 / 40 - 1) < 1e-4);
  }
});

test('norms reject bad inputs', () => {
  const x = randn([2, 3, 4]);
  assert.throws(() => F.batchNorm(randn([3]), null, null, null, null, { training: true }), ShapeError);
  assert.throws(() => F.batchNorm(x, zeros([4]), ones([4])), (e: Error) => e instanceof ShapeError && /runningMean must have shape \[3\]/.test(e.message));
  assert.throws(() => F.batchNorm(x, null, null), (e: Error) => e instanceof ValueError && /evaluation mode/.test(e.message));
  assert.throws(() => F.batchNorm(randn([1, 3]), null, null, null, null, { training: true }), /more than 1 value per channel/);
  assert.throws(() => F.batchNorm(x, zeros([3]), null, null, null, { training: true }), ValueError);
  assert.throws(() => F.instanceNorm(randn([2, 3, 1])), /more than 1 spatial element/);
  assert.throws(() => F.instanceNorm(x, { useInputStats: false }), ValueError);
  assert.throws(() => F.groupNorm(x, 2), (e: Error) => e instanceof ShapeError && /divisible by numGroups/.test(e.message));
  assert.throws(() => F.groupNorm(x, 0), ValueError);
  assert.throws(() => F.groupNorm(x, 3, randn([2])), ShapeError);
});
