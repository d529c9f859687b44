import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, ShapeError, Tensor, ValueError, isGradEnabled, nn, randn, tensor, train } from '../../src/index.js';

const { slidingWindowInference } = train;

/** A predictor whose output depends on where a voxel sits in its window, so blending shows. */
function positional(k: number) {
  return (w: Tensor): Tensor => {
    const [B, C, d, h, ww] = w.shape;
    const out = new Float32Array(B * k * d * h * ww);
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < k; c++) {
        for (let z = 0; z < d; z++) {
          for (let y = 0; y < h; y++) {
            for (let x = 0; x < ww; x++) {
              const v = w.data[(((b * C + (c % C)) * d + z) * h + y) * ww + x];
              out[(((b * k + c) * d + z) * h + y) * ww + x] = v * (1 + 0.1 * z + 0.01 * y) + 0.05 * x + c;
            }
          }
        }
      }
    }
    return new Tensor(out, [B, k, d, h, ww], 'float32');
  };
}

/** MONAI's window starts along one axis, written out independently of the implementation. */
function monaiStarts(n: number, roi: number, overlap: number): number[] {
  const interval = roi === n ? roi : Math.max(1, Math.floor(roi * (1 - overlap)));
  const num = Math.ceil(n / interval);
  let scan = 0;
  while (scan < num && !(scan * interval + roi >= n)) scan++;
  return Array.from({ length: scan + 1 }, (_, i) => i * interval - Math.max(i * interval + roi - n, 0));
}

/**
 * The blended output computed voxel by voxel (gather over the windows that cover it), with the volume
 * already at least the window's size: an independent restatement of the scatter-add implementation.
 */
function reference(x: Tensor, roi: number[], overlap: number, gaussian: boolean, sigmaScale: number, k: number): Float32Array {
  const [N, C, D, H, W] = x.shape;
  const st = [D, H, W].map((n, i) => monaiStarts(n, roi[i], overlap));
  const g = (n: number, i: number): number => {
    if (!gaussian) return 1;
    const s = sigmaScale * n;
    const t = i - (n - 1) / 2;
    return Math.exp(-(t * t) / (2 * s * s));
  };
  let min = Infinity;
  for (let z = 0; z < roi[0]; z++) for (let y = 0; y < roi[1]; y++) for (let q = 0; q < roi[2]; q++) min = Math.min(min, g(roi[0], z) * g(roi[1], y) * g(roi[2], q));
  const floor = Math.max(min, 1e-3);
  const weight = (z: number, y: number, q: number): number => Math.max(Math.fround(g(roi[0], z) * g(roi[1], y) * g(roi[2], q)), floor);
  const pred = positional(k);
  const out = new Float32Array(N * k * D * H * W);
  for (let n = 0; n < N; n++) {
    const xn = new Tensor(x.data.slice(n * C * D * H * W, (n + 1) * C * D * H * W), [1, C, D, H, W], 'float32');
    const preds = new Map<string, Tensor>();
    for (const z0 of st[0]) for (const y0 of st[1]) for (const x0 of st[2]) {
      const win = F.slice(F.slice(F.slice(xn, 2, z0, z0 + roi[0]), 3, y0, y0 + roi[1]), 4, x0, x0 + roi[2]);
      preds.set(`${z0},${y0},${x0}`, pred(win));
    }
    for (let c = 0; c < k; c++) {
      for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let q = 0; q < W; q++) {
        let num = 0;
        let den = 0;
        for (const z0 of st[0]) for (const y0 of st[1]) for (const x0 of st[2]) {
          if (z < z0 || z >= z0 + roi[0] || y < y0 || y >= y0 + roi[1] || q < x0 || q >= x0 + roi[2]) continue;
          const w = weight(z - z0, y - y0, q - x0);
          const p = preds.get(`${z0},${y0},${x0}`)!;
          num += w * p.data[((c * roi[0] + z - z0) * roi[1] + y - y0) * roi[2] + q - x0];
          den += w;
        }
        out[(((n * k + c) * D + z) * H + y) * W + q] = num / den;
      }
    }
  }
  return out;
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('window starts follow MONAI: interval (1 − overlap)·roi, the last window moved back to the edge', () => {
  assert.deepEqual(monaiStarts(10, 4, 0.5), [0, 2, 4, 6]);
  assert.deepEqual(monaiStarts(10, 4, 0.25), [0, 3, 6]);
  assert.deepEqual(monaiStarts(11, 4, 0), [0, 4, 7]);
  assert.deepEqual(monaiStarts(4, 4, 0.5), [0]);
  const seen: number[][] = [];
  // One window per call records where the predictor was run, through the values of an index volume.
  const D = 10;
  const idx = new Float32Array(D * 5 * 7);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  slidingWindowInference(new Tensor(idx, [1, 1, D, 5, 7], 'float32'), [4, 5, 3], (w) => {
    const first = w.data[0];
    seen.push([Math.floor(first / 35), Math.floor(first / 7) % 5, first % 7]);
    return w;
  }, { overlap: 0.5 });
  const want: number[][] = [];
  for (const z of monaiStarts(10, 4, 0.5)) for (const y of monaiStarts(5, 5, 0.5)) for (const x of monaiStarts(7, 3, 0.5)) want.push([z, y, x]);
  assert.deepEqual(seen, want);
});

for (const [mode, overlap, roi] of [
  ['constant', 0.25, [4, 5, 3]],
  ['constant', 0.6, [3, 3, 3]],
  ['gaussian', 0.5, [4, 4, 6]],
  ['gaussian', 0.75, [5, 3, 4]],
] as const) {
  test(`blending matches a voxel-by-voxel reference: ${mode}, overlap ${overlap}, roi ${roi.join('×')}`, () => {
    const x = randn([2, 2, 9, 7, 8]);
    const k = 3;
    const got = slidingWindowInference(x, roi, positional(k), { mode, overlap, batchSize: 4 });
    assert.deepEqual(got.shape, [2, k, 9, 7, 8]);
    assertClose(got.data, reference(x, [...roi], overlap, mode === 'gaussian', 0.125, k), 1e-5, 'output');
  });
}

test('a voxel-wise predictor gives the whole-volume result, for any windows, modes and batch sizes', () => {
  const x = randn([2, 3, 11, 6, 9]);
  const conv = new nn.Conv3d(3, 4, 1);
  const whole = conv.forward(x);
  for (const [roi, overlap, mode, batchSize] of [
    [[4, 4, 4], 0.25, 'constant', 1],
    [[5, 6, 2], 0.5, 'gaussian', 3],
    [[11, 6, 9], 0, 'constant', 2],
  ] as const) {
    const got = slidingWindowInference(x, roi, (w) => conv.forward(w), { overlap, mode, batchSize });
    assertClose(got.data, whole.data, 1e-5, `roi ${roi.join('×')}`);
  }
});

test('a volume smaller than the window is padded evenly with padValue and cropped back', () => {
  const x = randn([1, 1, 3, 8, 2]);
  // The identity comes back unchanged; the predictor sees the padding.
  let seen: Tensor | null = null;
  const got = slidingWindowInference(x, [6, 4, 5], (w) => {
    seen ??= w;
    return w;
  }, { padValue: -7 });
  assertClose(got.data, x.data, 0, 'identity');
  const first = seen! as Tensor;
  assert.deepEqual(first.shape, [1, 1, 6, 4, 5]);
  // D is padded 1 before and 2 after, W 1 and 2: the first window's corner is padding, its (1, 0, 1) is x[0, 0, 0].
  assert.equal(first.data[0], -7);
  assert.equal(first.data[(1 * 4 + 0) * 5 + 1], x.data[0]);
});

test('runs without recording gradients, and reports progress', () => {
  const x = randn([1, 1, 6, 6, 6]).requiresGrad_();
  const calls: [number, number][] = [];
  const out = slidingWindowInference(x, 4, (w) => {
    assert.equal(isGradEnabled(), false);
    return F.mul(w, 2);
  }, { batchSize: 3, onProgress: (d, t) => calls.push([d, t]) });
  assert.equal(out.requiresGrad, false);
  assert.deepEqual(calls, [[3, 8], [6, 8], [8, 8]]);
});

test('bad arguments and bad predictors are refused with the argument named', () => {
  const x = randn([1, 1, 4, 4, 4]);
  const id = (w: Tensor): Tensor => w;
  assert.throws(() => slidingWindowInference(randn([1, 4, 4, 4]), 2, id), (e: Error) => e instanceof ShapeError && /rank 5/.test(e.message));
  assert.throws(() => slidingWindowInference(x, [2, 2], id), (e: Error) => e instanceof ValueError && /roiSize/.test(e.message));
  assert.throws(() => slidingWindowInference(x, 0, id), /roiSize must be a positive integer/);
  assert.throws(() => slidingWindowInference(x, 2, id, { overlap: 1 }), /overlap must be in \[0, 1\)/);
  assert.throws(() => slidingWindowInference(x, 2, id, { mode: 'max' as 'constant' }), /mode must be/);
  assert.throws(() => slidingWindowInference(x, 2, id, { batchSize: 0 }), /batchSize/);
  assert.throws(() => slidingWindowInference(x, 2, id, { sigmaScale: 0 }), /sigmaScale/);
  assert.throws(() => slidingWindowInference(x, 2, (w) => F.slice(w, 4, 0, 1)), /predictor must map windows \[1, 1, 2, 2, 2\]/);
  assert.throws(() => slidingWindowInference(x, 2, () => tensor([1], [1])), /predictor must map/);
  let n = 0;
  assert.throws(() => slidingWindowInference(x, 2, (w) => (n++ ? F.cat([w, w], 1) : w)), /returned 2 channels after 1/);
  assert.throws(() => slidingWindowInference(randn([0, 1, 4, 4, 4]), 2, id), /is empty/);
});
