import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backend, getNumThreads, setNumThreads } from '../../src/index.js';
import { assertClose } from '../helpers.js';

// Deterministic uniform values in [-1, 1).
function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

interface Case {
  name: string;
  N: number;
  Cin: number;
  Cout: number;
  size: [number, number, number];
  k: number;
  padding: [number, number, number];
  dilation: [number, number, number];
  groups: number;
  sampling?: backend.AcsSampling;
  /** Output channels of the three parts (planes 0, 1, 2). */
  split: [number, number, number];
}

// Stride-1 same-size geometries (the implicit-GEMM path): sizes around the 64-position tile and the
// 16-lane vector, anisotropic volumes, every register-block height 1–12 and beyond, groups, dilation.
const CASES: Case[] = [
  { name: 'k3 32 ch, 5×7×9 (315 positions: partial tile and vector)', N: 2, Cin: 5, Cout: 32, size: [5, 7, 9], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], groups: 1, split: [11, 11, 10] },
  { name: 'k3 rows 1..13 per part, 4×4×4 (exactly one tile)', N: 1, Cin: 3, Cout: 27, size: [4, 4, 4], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], groups: 1, split: [1, 13, 13] },
  { name: 'k5 dilation 2, 6×5×8', N: 1, Cin: 4, Cout: 9, size: [6, 5, 8], k: 5, padding: [4, 4, 4], dilation: [2, 2, 2], groups: 1, split: [7, 0, 2] },
  { name: 'k1, 3×2×17', N: 2, Cin: 7, Cout: 6, size: [3, 2, 17], k: 1, padding: [0, 0, 0], dilation: [1, 1, 1], groups: 1, split: [2, 2, 2] },
  { name: 'groups 2 across parts, 3×8×3', N: 1, Cin: 6, Cout: 8, size: [3, 8, 3], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], groups: 2, split: [4, 2, 2] },
  { name: 'depthwise, 7×6×5', N: 2, Cin: 6, Cout: 6, size: [7, 6, 5], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], groups: 6, split: [2, 2, 2] },
  { name: 'conv sampling (Conv2_5d), 4×9×6', N: 1, Cin: 3, Cout: 20, size: [4, 9, 6], k: 3, padding: [0, 1, 1], dilation: [1, 1, 1], groups: 1, sampling: 'conv', split: [20, 0, 0] },
  { name: 'large W (80): tiles within one row', N: 1, Cin: 2, Cout: 7, size: [2, 3, 80], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], groups: 1, split: [3, 2, 2] },
];

interface Result {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
}

function run(c: Case, fast: boolean, threads: number): Result {
  const prevFast = backend.setAcsFastPath(fast);
  const prevThreads = getNumThreads();
  setNumThreads(threads);
  try {
    const [D, H, W] = c.size;
    const g: backend.AcsGeometry = {
      N: c.N, Cin: c.Cin, D, H, W, Cout: c.Cout, oD: D, oH: H, oW: W, k: c.k,
      stride: [1, 1, 1], padding: c.padding, dilation: c.dilation, groups: c.groups,
    };
    const x = rand(c.N * c.Cin * D * H * W, 1);
    const w = rand((c.Cout * c.Cin * c.k * c.k) / c.groups, 2);
    const dy = rand(c.N * c.Cout * D * H * W, 3);
    const y = new Float32Array(dy.length).fill(Number.NaN);
    // dx and dw accumulate: start them non-zero to check the += contract.
    const dx = rand(x.length, 4);
    const dw = rand(w.length, 5);
    let c0 = 0;
    c.split.forEach((m, plane) => {
      const p = plane as backend.AcsPlane;
      if (m > 0) {
        backend.acsPartForward(x, w, y, g, p, c0, c0 + m, c.sampling);
        backend.acsPartBackwardInput(dy, w, dx, g, p, c0, c0 + m, c.sampling);
        backend.acsPartBackwardWeight(x, dy, dw, g, p, c0, c0 + m, c.sampling);
      }
      c0 += m;
    });
    return { y, dx, dw };
  } finally {
    setNumThreads(prevThreads);
    backend.setAcsFastPath(true);
    void prevFast;
  }
}

describe('ACS kernels: implicit-GEMM path (stride 1, same size) equals the im2col path', () => {
  const usable = backend.setAcsFastPath(true);
  it('reports whether the fast path is usable', () => assert.equal(typeof usable, 'boolean'));
  for (const c of CASES) {
    it(c.name, () => {
      const ref = run(c, false, 2);
      const fast = run(c, true, 2);
      assertClose(fast.y, ref.y, { atol: 1e-4, msg: 'forward' });
      assertClose(fast.dx, ref.dx, { atol: 1e-4, msg: 'input gradient' });
      assertClose(fast.dw, ref.dw, { atol: 1e-4, rtol: 1e-4, msg: 'weight gradient' });
      // Forward and input gradient are computed per output tile: identical for any thread count.
      const one = run(c, true, 1);
      assert.deepEqual(one.y, fast.y, 'forward, 1 vs 2 threads');
      assert.deepEqual(one.dx, fast.dx, 'input gradient, 1 vs 2 threads');
      assertClose(one.dw, fast.dw, { atol: 1e-4, msg: 'weight gradient, 1 vs 2 threads' });
    });
  }
});
