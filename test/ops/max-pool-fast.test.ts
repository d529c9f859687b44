/**
 * The vectorised max-pool kernels (AVX-512 rows of 16 outputs, stride-1/2 loads, gathers for other
 * strides, masked edges; under ACSCONV_ISA=avx2, as `npm test` also runs it, AVX2 rows of 8 outputs for
 * strides 1 and 2 and the scalar path for the rest) against a plain reference of PyTorch's rule: padding is -inf, NaN wins
 * (the first NaN in scan order here), ties keep the first tap in (d, h, w) scan order. Values and
 * argmax are compared exactly; the argmax is read back through the gradient (integer gy, so the
 * scatter-add sums are exact whatever their order).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, getNumThreads, setNumThreads, tensor } from '../../src/index.js';

interface Cfg {
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  ceil: boolean;
}

function outSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const eff = (k - 1) * d + 1;
  let o = (n + 2 * p - eff + (ceil ? s - 1 : 0)) / s;
  o = Math.floor(o) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

function reference(x: Float32Array, nc: number, sp: number[], c: Cfg): { out: number[]; idx: number[]; osp: number[] } {
  const osp = sp.map((n, i) => outSize(n, c.k[i], c.s[i], c.p[i], c.d[i], c.ceil));
  const [D, H, W] = sp;
  const out: number[] = [];
  const idx: number[] = [];
  for (let pl = 0; pl < nc; pl++) {
    for (let od = 0; od < osp[0]; od++) {
      for (let oh = 0; oh < osp[1]; oh++) {
        for (let ow = 0; ow < osp[2]; ow++) {
          let best = -Infinity;
          let bi = -1;
          let first = -1;
          for (let a = 0; a < c.k[0]; a++) {
            const id = od * c.s[0] - c.p[0] + a * c.d[0];
            if (id < 0 || id >= D) continue;
            for (let b = 0; b < c.k[1]; b++) {
              const ih = oh * c.s[1] - c.p[1] + b * c.d[1];
              if (ih < 0 || ih >= H) continue;
              for (let e = 0; e < c.k[2]; e++) {
                const iw = ow * c.s[2] - c.p[2] + e * c.d[2];
                if (iw < 0 || iw >= W) continue;
                const li = (id * H + ih) * W + iw;
                if (first < 0) first = li;
                const v = x[pl * D * H * W + li];
                if (v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
                  best = v;
                  bi = li;
                }
              }
            }
          }
          out.push(best);
          idx.push(bi < 0 ? first : bi);
        }
      }
    }
  }
  return { out, idx, osp };
}

// Small integers make ties common; a few NaN and -inf cells exercise the special values.
function sample(n: number, seed: number, special: boolean): Float32Array {
  let st = seed >>> 0;
  const r = (): number => ((st = (st * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = Math.floor(r() * 5) - 2;
    if (special) {
      const u = r();
      if (u < 0.03) x[i] = NaN;
      else if (u < 0.06) x[i] = -Infinity;
    }
  }
  return x;
}

function check(name: string, shape: number[], c: Cfg, seed: number, special: boolean): void {
  const nc = shape[0] * shape[1];
  const sp = shape.slice(2);
  const n = shape.reduce((a, b) => a * b, 1);
  const xd = sample(n, seed, special);
  const ref = reference(xd, nc, sp, c);
  const x = tensor(xd, shape, { requiresGrad: true });
  const y = F.maxPool3d(x, c.k, { stride: c.s, padding: c.p, dilation: c.d, ceilMode: c.ceil });
  assert.deepEqual(y.shape, [...shape.slice(0, 2), ...ref.osp], `${name} shape`);
  for (let i = 0; i < ref.out.length; i++) {
    if (!Object.is(y.data[i], Math.fround(ref.out[i]))) assert.fail(`${name}: out[${i}] = ${y.data[i]}, expected ${ref.out[i]}`);
  }
  const gy = new Float32Array(ref.out.length);
  for (let i = 0; i < gy.length; i++) gy[i] = (i % 7) + 1;
  y.backward(tensor(gy, y.shape));
  const plIn = sp[0] * sp[1] * sp[2];
  const plOut = ref.osp[0] * ref.osp[1] * ref.osp[2];
  const gx = new Float64Array(n);
  for (let i = 0; i < gy.length; i++) gx[Math.floor(i / plOut) * plIn + ref.idx[i]] += gy[i];
  const got = x.grad!.data;
  for (let i = 0; i < n; i++) {
    if (got[i] !== gx[i]) assert.fail(`${name}: grad[${i}] = ${got[i]}, expected ${gx[i]} (argmax differs)`);
  }
}

const cfg = (k: number, s: number, p: number, d = 1, ceil = false): Cfg => ({ k: [k, k, k], s: [s, s, s], p: [p, p, p], d: [d, d, d], ceil });

const CASES: [string, number[], Cfg][] = [
  ['k3 s2 p1 (ResNet stem)', [2, 3, 9, 10, 24], cfg(3, 2, 1)],
  ['k3 s2 p1, W past one vector', [1, 2, 3, 5, 75], cfg(3, 2, 1)],
  ['k2 s2 (UNet)', [2, 2, 4, 6, 34], cfg(2, 2, 0)],
  ['k2 s2 odd W', [1, 3, 5, 5, 33], cfg(2, 2, 0)],
  ['k2 s2 ceil mode', [1, 2, 5, 7, 35], cfg(2, 2, 0, 1, true)],
  ['k3 s2 p1 ceil mode', [1, 2, 6, 6, 36], cfg(3, 2, 1, 1, true)],
  ['stride 1 with padding', [1, 2, 4, 5, 21], cfg(3, 1, 1)],
  ['stride 3 (gather)', [1, 2, 7, 7, 50], cfg(3, 3, 1)],
  ['dilation 2', [1, 2, 7, 8, 40], cfg(3, 2, 2, 2)],
  ['dilation 2 ceil mode', [1, 1, 9, 9, 37], cfg(2, 3, 1, 2, true)],
  ['anisotropic', [1, 2, 5, 9, 30], { k: [1, 3, 2], s: [1, 2, 2], p: [0, 1, 1], d: [1, 1, 2], ceil: true }],
  ['W of 1', [1, 2, 4, 4, 1], { k: [2, 2, 1], s: [2, 2, 1], p: [0, 0, 0], d: [1, 1, 1], ceil: false }],
];

for (const threads of [1, 2]) {
  test(`maxPool3d fast paths match the reference (${threads} thread(s))`, () => {
    const before = getNumThreads();
    setNumThreads(threads);
    try {
      CASES.forEach(([name, shape, c], i) => {
        check(name, shape, c, 17 + i, false);
        check(`${name} with NaN and -inf`, shape, c, 101 + i, true);
      });
    } finally {
      setNumThreads(before);
    }
  });
}

test('maxPool3d: windows that are all -inf report their first in-bounds tap', () => {
  const x = tensor(new Float32Array(2 * 4 * 20).fill(-Infinity), [1, 1, 2, 4, 20], { requiresGrad: true });
  const y = F.maxPool3d(x, 3, { stride: 2, padding: 1 });
  assert.ok([...y.data].every((v) => v === -Infinity));
  const c = cfg(3, 2, 1);
  const ref = reference(x.data, 1, [2, 4, 20], c);
  y.backward(tensor(new Float32Array(y.data.length).fill(1), y.shape));
  const gx = new Float32Array(x.data.length);
  for (const i of ref.idx) gx[i] += 1;
  assert.deepEqual([...x.grad!.data], [...gx]);
});
