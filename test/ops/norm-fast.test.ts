/**
 * The one-pass vectorised normalisation kernels (shifted double sums per (n, c) block, fused
 * backward reductions) against a float64 reference: odd spatial sizes that leave vector tails, a
 * mean far from zero (where a naive E[x²] - E[x]² cancels), group norm, and 1 and 2 threads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, getNumThreads, setNumThreads, tensor } from '../../src/index.js';

function sample(n: number, seed: number, offset: number, scale: number): Float32Array {
  let st = seed >>> 0;
  const r = (): number => ((st = (st * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = offset + scale * (r() + r() + r() - 1.5);
  return x;
}

// Float64 batch norm forward and backward over [N, C, S], training statistics.
function reference(x: Float32Array, dy: Float32Array, w: Float32Array, b: Float32Array, N: number, C: number, S: number, eps: number) {
  const y = new Float64Array(x.length);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(C);
  const db = new Float64Array(C);
  const cnt = N * S;
  for (let c = 0; c < C; c++) {
    let m = 0;
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) m += x[(n * C + c) * S + s];
    m /= cnt;
    let v = 0;
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) v += (x[(n * C + c) * S + s] - m) ** 2;
    v /= cnt;
    const is = 1 / Math.sqrt(v + eps);
    let sg = 0;
    let sgx = 0;
    for (let n = 0; n < N; n++) {
      for (let s = 0; s < S; s++) {
        const i = (n * C + c) * S + s;
        const xh = (x[i] - m) * is;
        y[i] = xh * w[c] + b[c];
        db[c] += dy[i];
        dw[c] += dy[i] * xh;
        sg += dy[i] * w[c];
        sgx += dy[i] * w[c] * xh;
      }
    }
    for (let n = 0; n < N; n++) {
      for (let s = 0; s < S; s++) {
        const i = (n * C + c) * S + s;
        const xh = (x[i] - m) * is;
        dx[i] = is * (dy[i] * w[c] - sg / cnt - xh * (sgx / cnt));
      }
    }
  }
  return { y, dx, dw, db };
}

function maxRel(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    err = Math.max(err, Math.abs(got[i] - want[i]));
  }
  return err / Math.max(scale, 1e-30);
}

const SHAPES: [number, number, number[], number, number][] = [
  [2, 3, [3, 5, 7], 0, 1],
  [3, 2, [1, 1, 17], 100, 0.1],
  [1, 4, [2, 3, 4], -50, 3],
  [5, 1, [1, 1, 1], 2, 1],
];

for (const threads of [1, 2]) {
  test(`batchNorm training forward and backward match float64 (${threads} thread(s))`, () => {
    const before = getNumThreads();
    setNumThreads(threads);
    try {
      SHAPES.forEach(([N, C, sp, offset, scale], k) => {
        const S = sp[0] * sp[1] * sp[2];
        const shape = [N, C, ...sp];
        const xd = sample(N * C * S, 3 + k, offset, scale);
        const dyd = sample(N * C * S, 50 + k, 0.3, 1);
        const wd = sample(C, 90 + k, 1, 0.5);
        const bd = sample(C, 91 + k, 0, 0.5);
        const ref = reference(xd, dyd, wd, bd, N, C, S, 1e-5);
        const x = tensor(xd, shape, { requiresGrad: true });
        const w = tensor(wd, [C], { requiresGrad: true });
        const b = tensor(bd, [C], { requiresGrad: true });
        const y = F.batchNorm(x, null, null, w, b, { training: true });
        const tag = `[${shape.join(',')}] offset ${offset}`;
        assert.ok(maxRel(y.data, ref.y) < 1e-4, `${tag} forward: rel err ${maxRel(y.data, ref.y)}`);
        y.backward(tensor(dyd, shape));
        assert.ok(maxRel(x.grad!.data, ref.dx) < 1e-4, `${tag} dx: rel err ${maxRel(x.grad!.data, ref.dx)}`);
        // The mean is handed over as float32 (the backend API): its rounding, times Σdy, bounds dw's error.
        assert.ok(maxRel(w.grad!.data, ref.dw) < 1e-3, `${tag} dw: rel err ${maxRel(w.grad!.data, ref.dw)}`);
        assert.ok(maxRel(b.grad!.data, ref.db) < 1e-5, `${tag} db: rel err ${maxRel(b.grad!.data, ref.db)}`);
      });
    } finally {
      setNumThreads(before);
    }
  });
}

test('groupNorm with vector tails keeps zero mean and unit variance per group', () => {
  const N = 2;
  const C = 6;
  const S = 19;
  const x = tensor(sample(N * C * S, 7, 300, 2), [N, C, S]);
  const y = F.groupNorm(x, 3, null, null, 1e-5);
  for (let k = 0; k < N * 3; k++) {
    const seg = y.data.subarray(k * 2 * S, (k + 1) * 2 * S);
    const m = seg.reduce((a, v) => a + v, 0) / seg.length;
    const v = seg.reduce((a, q) => a + (q - m) ** 2, 0) / seg.length;
    assert.ok(Math.abs(m) < 1e-4 && Math.abs(v - 1) < 1e-3, `group ${k}: mean ${m}, var ${v}`);
  }
});
