import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { F, type Tensor, ShapeError, UnsupportedError, ValueError, randn, tensor } from '../../src/index.js';
import { FIXTURES, assertClose, gradcheck, loadFixture } from '../helpers.js';

/** Independent float64 Conv3d oracle: x [N, Ci, D, H, W], w [Co, Ci/g, kd, kh, kw]. */
function conv3dRef(
  x: Tensor,
  w: ArrayLike<number>,
  wShape: readonly number[],
  stride: number[],
  pad: number[],
  dil: number[],
  groups: number,
): { data: Float64Array; shape: number[] } {
  const [N, Ci, D, H, W] = x.shape;
  const [Co, Cg, kd, kh, kw] = wShape;
  const ks = [kd, kh, kw];
  const inn = [D, H, W];
  const o = [0, 1, 2].map((i) => Math.floor((inn[i] + 2 * pad[i] - dil[i] * (ks[i] - 1) - 1) / stride[i]) + 1);
  const out = new Float64Array(N * Co * o[0] * o[1] * o[2]);
  const mg = Co / groups;
  let idx = 0;
  for (let n = 0; n < N; n++)
    for (let co = 0; co < Co; co++) {
      const g = Math.floor(co / mg);
      for (let a = 0; a < o[0]; a++)
        for (let b = 0; b < o[1]; b++)
          for (let c = 0; c < o[2]; c++) {
            let s = 0;
            for (let ci = 0; ci < Cg; ci++)
              for (let p = 0; p < kd; p++) {
                const d = a * stride[0] - pad[0] + p * dil[0];
                if (d < 0 || d >= D) continue;
                for (let q = 0; q < kh; q++) {
                  const h = b * stride[1] - pad[1] + q * dil[1];
                  if (h < 0 || h >= H) continue;
                  for (let r = 0; r < kw; r++) {
                    const ww = c * stride[2] - pad[2] + r * dil[2];
                    if (ww < 0 || ww >= W) continue;
                    s +=
                      x.data[(((n * Ci + g * Cg + ci) * D + d) * H + h) * W + ww] *
                      w[(((co * Cg + ci) * kd + p) * kh + q) * kw + r];
                  }
                }
              }
            out[idx++] = s;
          }
    }
  return { data: out, shape: [N, Co, ...o] };
}

/** The 2D kernel bank [Co, Cg, k, k] unsqueezed at 5D axis 2 + a. */
function unsqueezed(w: Tensor, a: number): number[] {
  const [co, cg, k] = w.shape;
  const s = [co, cg, k, k];
  s.splice(2 + a, 0, 1);
  return s;
}

const t3 = (v: unknown): number[] => v as number[];

function acsFromFixture(kind: string, p: Record<string, unknown>, x: Tensor, w: Tensor, sw: Tensor | null, b: Tensor | null): Tensor {
  const common = { stride: t3(p.stride), padding: t3(p.padding), dilation: t3(p.dilation), groups: p.groups as number };
  switch (kind) {
    case 'acs':
      return F.acsConv(x, w, b, { ...common, acsKernelSplit: t3(p.split) });
    case 'soft':
      return F.softAcsConv(x, w, sw, b, { ...common, mean: p.mean as boolean });
    case 'conv2_5d':
      return F.conv2_5d(x, w, b, { ...common, axis: p.axis as 'D' | 'H' | 'W' });
    default:
      return F.acsConvTranspose(x, w, b, { ...common, acsKernelSplit: t3(p.split), outputPadding: t3(p.outputPadding) });
  }
}

describe('ACS operators: golden fixtures from PyTorch (scripts/fixtures/gen_acs.py)', () => {
  const cases = readdirSync(join(FIXTURES, 'acs'))
    .filter((f) => f.endsWith('.safetensors'))
    .map((f) => f.replace('.safetensors', ''));
  it('has the fixture grid', () => assert.ok(cases.length >= 30, `found ${cases.length} cases`));
  for (const name of cases) {
    it(name, () => {
      const f = loadFixture('acs', name);
      const p = f.params;
      const x = f.t('x').requiresGrad_();
      const w = f.t('w').requiresGrad_();
      const b = f.has('b') ? f.t('b').requiresGrad_() : null;
      const sw = f.has('sw') ? f.t('sw').requiresGrad_() : null;
      const y = acsFromFixture(p.kind as string, p, x, w, sw, b);
      assertClose(y, f.t('y'), { atol: 1e-4, rtol: 1e-4, msg: `${name} y` });
      y.backward(f.t('gy'));
      assertClose(x.grad!, f.t('gx'), { atol: 2e-4, rtol: 1e-4, msg: `${name} gx` });
      assertClose(w.grad!, f.t('gw'), { atol: 5e-4, rtol: 1e-4, msg: `${name} gw` });
      if (b) assertClose(b.grad!, f.t('gb'), { atol: 5e-4, rtol: 1e-4, msg: `${name} gb` });
      if (sw) assertClose(sw.grad!, f.t('gsw'), { atol: 5e-4, rtol: 1e-4, msg: `${name} gsw` });
    });
  }
});

describe('ACS operators: gradient checks', () => {
  const r = (shape: number[], scale = 1): Tensor => {
    const t = randn(shape);
    for (let i = 0; i < t.size; i++) t.data[i] *= scale;
    return t.requiresGrad_();
  };
  it('acsConv (stride 2, dilation, bias)', () => {
    gradcheck((x, w, b) => F.acsConv(x, w, b, { stride: [1, 2, 2], padding: 1, dilation: [2, 1, 1] }), [r([1, 2, 5, 4, 6]), r([4, 2, 3, 3]), r([4])]);
  });
  it('acsConv depthwise', () => {
    gradcheck((x, w) => F.acsConv(x, w, null, { padding: 1, groups: 3 }), [r([1, 3, 4, 5, 4]), r([3, 1, 3, 3])]);
  });
  it('softAcsConv (soft weights included) and MeanACS', () => {
    gradcheck((x, w, s, b) => F.softAcsConv(x, w, s, b, { padding: 1 }), [r([1, 2, 4, 4, 5]), r([3, 2, 3, 3]), r([3, 3]), r([3])]);
    gradcheck((x, w) => F.softAcsConv(x, w, null, null, { padding: [0, 1, 1], mean: true }), [r([1, 2, 4, 4, 5]), r([3, 2, 3, 3])]);
  });
  it('conv2_5d', () => {
    gradcheck((x, w, b) => F.conv2_5d(x, w, b, { padding: 1, stride: 2, axis: 'H' }), [r([1, 2, 5, 4, 5]), r([3, 2, 3, 3]), r([3])]);
  });
  it('acsConvTranspose', () => {
    gradcheck(
      (x, w, b) => F.acsConvTranspose(x, w, b, { stride: 2, padding: 1, outputPadding: [1, 0, 1] }),
      [r([1, 4, 3, 2, 3]), r([4, 2, 3, 3]), r([2])],
    );
  });
});

describe('ACS operators: adjoint and equivalences', () => {
  const dot = (a: Tensor, b: Tensor): number => {
    let s = 0;
    for (let i = 0; i < a.size; i++) s += a.data[i] * b.data[i];
    return s;
  };
  const configs = [
    { x: [2, 5, 6, 5, 7], cout: 4, k: 3, o: { stride: 1, padding: 1 } },
    { x: [1, 3, 4, 4, 4], cout: 5, k: 3, o: { stride: 1, padding: 0 } },
    { x: [1, 4, 9, 8, 7], cout: 6, k: 3, o: { stride: [2, 3, 1], padding: [1, 0, 2], dilation: [1, 2, 1] } },
    { x: [1, 6, 8, 8, 8], cout: 6, k: 5, o: { stride: 2, padding: 2, groups: 6, acsKernelSplit: [1, 2, 3] } },
  ];
  for (const [i, c] of configs.entries()) {
    it(`<acsConv(x, w), y> = <x, acsConvTranspose(y, w)> (config ${i})`, () => {
      const groups = (c.o as { groups?: number }).groups ?? 1;
      const x = randn(c.x);
      const w = randn([c.cout, c.x[1] / groups, c.k, c.k]);
      const y0 = F.acsConv(x, w, null, c.o);
      const y = randn([...y0.shape]);
      // outputPadding restores sizes that the forward's floor division dropped.
      const sp = y0.shape.slice(2);
      const o = c.o as { stride?: number | number[]; padding?: number | number[]; dilation?: number | number[] };
      const tr = (v: number | number[] | undefined, d: number): number[] => (Array.isArray(v) ? v : [v ?? d, v ?? d, v ?? d]);
      const [st, pd, dl] = [tr(o.stride, 1), tr(o.padding, 0), tr(o.dilation, 1)];
      const outputPadding = [0, 1, 2].map((a) => c.x[2 + a] - ((sp[a] - 1) * st[a] - 2 * pd[a] + dl[a] * (c.k - 1) + 1));
      const xt = F.acsConvTranspose(y, w, null, { ...c.o, outputPadding });
      assert.deepEqual([...xt.shape], c.x);
      const lhs = dot(y0, y);
      const rhs = dot(x, xt);
      assert.ok(Math.abs(lhs - rhs) <= 1e-4 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
    });
  }

  for (const a of [0, 1, 2]) {
    it(`split with all channels in plane ${a} equals Conv3d with the unsqueezed kernel (float64 oracle)`, () => {
      const x = randn([1, 3, 5, 6, 7]);
      const w = randn([4, 3, 3, 3]);
      const split = [0, 0, 0];
      split[a] = 4;
      const st = [2, 1, 2];
      const pd = [1, 1, 0];
      // Along the unit axis the ACS rule samples floor(k/2) − pad + st·j; with pad 1 = floor(k/2) that
      // is Conv3d's own j·st − 0 with padding 0 there.
      pd[a] = 1;
      const y = F.acsConv(x, w, null, { stride: st, padding: pd, acsKernelSplit: split });
      const pd3 = [...pd];
      pd3[a] = 0;
      const ref = conv3dRef(x, w.data, unsqueezed(w, a), st, pd3, [1, 1, 1], 1);
      // With padding floor(k/2) along the unit axis, the ACS output length there equals Conv3d's.
      const refT = tensor(Float32Array.from(ref.data), ref.shape);
      assertClose(y, refT, { atol: 1e-4, msg: 'acsConv vs oracle' });
      const y25 = F.conv2_5d(x, w, null, { stride: st, padding: pd3, axis: (['D', 'H', 'W'] as const)[a] });
      assertClose(y25, refT, { atol: 1e-4, msg: 'conv2_5d vs oracle' });
    });
  }

  it('MeanACS equals the mean of the three single-plane convolutions', () => {
    const x = randn([2, 3, 5, 4, 6]);
    const w = randn([4, 3, 3, 3]);
    const b = randn([4]);
    const o = { stride: [1, 2, 1], padding: 1 };
    const m = F.softAcsConv(x, w, null, b, { ...o, mean: true });
    const planes = [0, 1, 2].map((a) => {
      const s = [0, 0, 0];
      s[a] = 4;
      return F.acsConv(x, w, null, { ...o, acsKernelSplit: s });
    });
    const expect = new Float32Array(m.size);
    const S = m.size / (2 * 4);
    for (let i = 0; i < m.size; i++) {
      expect[i] = (planes[0].data[i] + planes[1].data[i] + planes[2].data[i]) / 3 + b.data[Math.floor(i / S) % 4];
    }
    assertClose(m.data, expect, { atol: 1e-5 });
  });

  it('conv2_5d equals Conv3d with the unsqueezed kernel, grouped, strided and dilated (float64 oracle)', () => {
    const x = randn([2, 4, 5, 7, 6]);
    const w = randn([6, 2, 3, 3]);
    for (const a of [0, 1, 2]) {
      const o = { stride: [2, 1, 3], padding: [1, 2, 0], dilation: [1, 2, 1], groups: 2 };
      const y = F.conv2_5d(x, w, null, { ...o, axis: a + 2 });
      const ref = conv3dRef(x, w.data, unsqueezed(w, a), o.stride, o.padding, o.dilation, 2);
      assertClose(y, tensor(Float32Array.from(ref.data), ref.shape), { atol: 1e-4 });
    }
  });
});

describe('ACS operators: bad input', () => {
  const x = randn([1, 4, 5, 5, 5]);
  const w = randn([6, 4, 3, 3]);
  it('rejects a rank-4 input, naming it', () => {
    assert.throws(() => F.acsConv(randn([1, 4, 5, 5]), w), (e: Error) => e instanceof ShapeError && /input must be rank 5/.test(e.message));
    assert.throws(() => F.acsConvTranspose(randn([4, 5, 5, 5]), w), (e: Error) => e instanceof ShapeError && /rank 5/.test(e.message));
  });
  it('rejects a channel mismatch', () => {
    assert.throws(() => F.acsConv(randn([1, 3, 5, 5, 5]), w), (e: Error) => e instanceof ShapeError && /input has 3 channels/.test(e.message));
    assert.throws(() => F.acsConvTranspose(randn([1, 5, 5, 5, 5]), w), (e: Error) => e instanceof ShapeError && /weight.shape\[0\]/.test(e.message));
    assert.throws(() => F.acsConv(x, w, randn([5])), (e: Error) => e instanceof ShapeError && /bias/.test(e.message));
  });
  it('rejects a split that does not sum to the output channels', () => {
    assert.throws(() => F.acsConv(x, w, null, { acsKernelSplit: [2, 2, 1] }), (e: Error) => e instanceof ValueError && /acsKernelSplit.*sum/.test(e.message));
    assert.throws(() => F.acsConv(x, w, null, { acsKernelSplit: [2, 4] }), (e: Error) => e instanceof ValueError && /acsKernelSplit/.test(e.message));
  });
  it('rejects unsupported groups and suggests a split that works', () => {
    const wg = randn([6, 2, 3, 3]);
    assert.throws(
      () => F.acsConv(x, wg, null, { groups: 2, acsKernelSplit: [2, 2, 2] }),
      (e: Error) => e instanceof UnsupportedError && /groups=2/.test(e.message) && /acsKernelSplit \[3, 3, 0\]/.test(e.message),
    );
    assert.throws(() => F.acsConv(x, randn([5, 2, 3, 3]), null, { groups: 2 }), (e: Error) => e instanceof ValueError && /groups 2 must divide/.test(e.message));
  });
  it('rejects a non-square kernel', () => {
    assert.throws(() => F.acsConv(x, randn([6, 4, 3, 2])), (e: Error) => e instanceof ShapeError && /square kernel/.test(e.message));
    assert.throws(() => F.acsConv(x, randn([6, 4, 3, 3, 3])), (e: Error) => e instanceof ShapeError && /weight must be a 2D kernel bank/.test(e.message));
  });
  it('rejects an output smaller than 1', () => {
    assert.throws(() => F.acsConv(randn([1, 4, 2, 5, 5]), w), (e: Error) => e instanceof ShapeError && /output size would be \[0, 3, 3\]/.test(e.message));
  });
  it('rejects bad options with the argument named', () => {
    assert.throws(() => F.acsConv(x, w, null, { stride: 0 }), (e: Error) => e instanceof ValueError && /stride/.test(e.message));
    assert.throws(() => F.acsConv(x, w, null, { padding: [1, 1] }), (e: Error) => e instanceof ValueError && /padding/.test(e.message));
    assert.throws(() => F.conv2_5d(x, w, null, { axis: 'X' as 'D' }), (e: Error) => e instanceof ValueError && /axis/.test(e.message));
    assert.throws(() => F.softAcsConv(x, w, null, null), (e: Error) => e instanceof ValueError && /softWeights/.test(e.message));
    assert.throws(() => F.softAcsConv(x, w, randn([6, 2]), null), (e: Error) => e instanceof ShapeError && /softWeights/.test(e.message));
    assert.throws(
      () => F.acsConvTranspose(x, randn([4, 2, 3, 3]), null, { stride: 2, outputPadding: 2 }),
      (e: Error) => e instanceof ValueError && /outputPadding/.test(e.message),
    );
  });
});
