import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backend, getNumThreads, setNumThreads } from '../../src/index.js';
import { assertClose, rand } from '../helpers.js';

interface Case {
  name: string;
  N: number;
  Cin: number;
  Cout: number;
  size: [number, number, number];
  k: number;
  padding: [number, number, number];
  dilation: [number, number, number];
  /** Default [1, 1, 1]. */
  stride?: [number, number, number];
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
  // Outputs of 4 MB and more are written with non-temporal stores (full aligned vectors) and masked
  // stores at the edges; 33 is not a multiple of the 16-lane vector, so rows start unaligned too.
  { name: 'output ≥ 4 MB (streaming stores), 32×33×35', N: 2, Cin: 3, Cout: 16, size: [32, 33, 35], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], groups: 1, split: [6, 5, 5] },
  { name: 'output ≥ 4 MB, 16-aligned rows, 32³', N: 1, Cin: 3, Cout: 32, size: [32, 32, 32], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], groups: 1, split: [11, 11, 10] },
];

// Every other geometry: strides 2 and 3 (per axis), padding 0, dilation, odd and anisotropic sizes, both
// branches of the sampling rule on the unconvolved axis, deep-layer outputs of a few positions (the
// batched GEMM path: 2³ and 3³ outputs, batch > 1), groups and depthwise, 1×1 kernels with stride.
const STRIDED: Case[] = [
  { name: 'stride 2, 8³ → 4³ (sampling shortcut 0, 2, 4…)', N: 2, Cin: 5, Cout: 13, size: [8, 8, 8], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], stride: [2, 2, 2], groups: 1, split: [5, 4, 4] },
  { name: 'stride 2, 7×9×11 (second sampling rule, odd sizes)', N: 2, Cin: 4, Cout: 9, size: [7, 9, 11], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], stride: [2, 2, 2], groups: 1, split: [3, 3, 3] },
  { name: 'stride 3, padding 0, 10×12×13', N: 1, Cin: 3, Cout: 8, size: [10, 12, 13], k: 3, padding: [0, 0, 0], dilation: [1, 1, 1], stride: [3, 3, 3], groups: 1, split: [3, 3, 2] },
  { name: 'anisotropic stride (1, 2, 3), padding (0, 1, 2)', N: 2, Cin: 3, Cout: 12, size: [6, 9, 14], k: 3, padding: [0, 1, 2], dilation: [1, 1, 1], stride: [1, 2, 3], groups: 1, split: [4, 4, 4] },
  { name: 'k3 padding 0 over a length-4 axis (reference crash case)', N: 1, Cin: 2, Cout: 6, size: [4, 6, 5], k: 3, padding: [0, 0, 0], dilation: [1, 1, 1], groups: 1, split: [2, 2, 2] },
  { name: 'dilation 2 with stride 2, k5', N: 1, Cin: 3, Cout: 7, size: [11, 10, 12], k: 5, padding: [3, 4, 2], dilation: [2, 2, 2], stride: [2, 2, 2], groups: 1, split: [3, 2, 2] },
  { name: '7×7 stride-2 stem, 3 channels, 18³ → 9³', N: 2, Cin: 3, Cout: 16, size: [18, 18, 18], k: 7, padding: [3, 3, 3], dilation: [1, 1, 1], stride: [2, 2, 2], groups: 1, split: [6, 5, 5] },
  { name: '1×1 stride 2 (ResNet downsample), 6×7×9', N: 2, Cin: 8, Cout: 12, size: [6, 7, 9], k: 1, padding: [0, 0, 0], dilation: [1, 1, 1], stride: [2, 2, 2], groups: 1, split: [4, 4, 4] },
  { name: 'batched: 2³ same size, 40 channels, rows 1..14', N: 3, Cin: 40, Cout: 27, size: [2, 2, 2], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], groups: 1, split: [13, 1, 13] },
  { name: 'batched: 3³ → 2³ stride 2', N: 3, Cin: 24, Cout: 30, size: [3, 3, 3], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], stride: [2, 2, 2], groups: 1, split: [10, 10, 10] },
  { name: 'batched: 3³ same size (weight gradient), anisotropic 3×2×4', N: 4, Cin: 10, Cout: 9, size: [3, 2, 4], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], groups: 1, split: [3, 3, 3] },
  { name: 'batched: groups 2, 2×3×2', N: 2, Cin: 6, Cout: 8, size: [2, 3, 2], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], groups: 2, split: [4, 2, 2] },
  { name: 'batched: conv sampling (Conv2_5d) stride 2', N: 2, Cin: 5, Cout: 6, size: [4, 5, 6], k: 3, padding: [0, 1, 1], dilation: [1, 1, 1], stride: [2, 2, 2], groups: 1, sampling: 'conv', split: [6, 0, 0] },
  { name: 'depthwise stride 2, 9×8×7', N: 2, Cin: 6, Cout: 6, size: [9, 8, 7], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], stride: [2, 2, 2], groups: 6, split: [2, 2, 2] },
  { name: 'phase path: dilation 2, padding 2, stride 2, 7×9×8 (sampling offset −1 and the shortcut)', N: 2, Cin: 3, Cout: 9, size: [7, 9, 8], k: 3, padding: [2, 2, 2], dilation: [2, 2, 2], stride: [2, 2, 2], groups: 1, split: [3, 3, 3] },
  { name: 'phase path: anisotropic stride (1, 2, 3), 6×9×14', N: 2, Cin: 4, Cout: 10, size: [6, 9, 14], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], stride: [1, 2, 3], groups: 1, split: [4, 3, 3] },
  { name: 'phase path: conv sampling (Conv2_5d) stride 2, 8×10×12', N: 1, Cin: 4, Cout: 7, size: [8, 10, 12], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], stride: [2, 2, 2], groups: 1, sampling: 'conv', split: [7, 0, 0] },
  { name: 'phase path: stride 2 over odd W (37), rows of 19', N: 1, Cin: 2, Cout: 5, size: [5, 6, 37], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], stride: [2, 2, 2], groups: 1, split: [2, 2, 1] },
  { name: 'groups 2 stride 2, larger output', N: 1, Cin: 4, Cout: 6, size: [12, 14, 16], k: 3, padding: [1, 1, 1], dilation: [1, 1, 1], stride: [2, 2, 2], groups: 2, split: [3, 3, 0] },
];

const outSize = (n: number, k: number, p: number, d: number, s: number): number => Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;

interface Result {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
}

/**
 * 'part': one part per call; 'fused': all parts in one call (one kernel where the fast path allows); 'overwrite':
 * fused, with the input gradient written into a NaN-filled dx instead of added.
 */
type Api = 'part' | 'fused' | 'overwrite';

function run(c: Case, fast: boolean, threads: number, api: Api = 'part'): Result {
  const prevFast = backend.setAcsFastPath(fast);
  const prevThreads = getNumThreads();
  setNumThreads(threads);
  try {
    const [D, H, W] = c.size;
    const st = c.stride ?? [1, 1, 1];
    const [oD, oH, oW] = [0, 1, 2].map((a) => outSize(c.size[a], c.k, c.padding[a], c.dilation[a], st[a]));
    const g: backend.AcsGeometry = {
      N: c.N, Cin: c.Cin, D, H, W, Cout: c.Cout, oD, oH, oW, k: c.k,
      stride: st, padding: c.padding, dilation: c.dilation, groups: c.groups,
    };
    const x = rand(c.N * c.Cin * D * H * W, 1);
    const w = rand((c.Cout * c.Cin * c.k * c.k) / c.groups, 2);
    const dy = rand(c.N * c.Cout * oD * oH * oW, 3);
    // As the ops allocate outputs: 64-byte aligned, so large ones take the streaming stores.
    const y = backend.allocF32Uninit(dy.length).fill(Number.NaN);
    // dx and dw accumulate: start them non-zero to check the += contract.
    const dx = api === 'overwrite' ? backend.allocF32Uninit(x.length).fill(Number.NaN) : rand(x.length, 4);
    const dw = rand(w.length, 5);
    let c0 = 0;
    if (api !== 'part') {
      const parts = c.split.map((m, plane) => {
        const p = { plane: plane as backend.AcsPlane, c0, c1: c0 + m };
        c0 += m;
        return p;
      });
      backend.acsForward(x, w, y, g, parts, c.sampling);
      backend.acsBackwardInput(dy, w, dx, g, parts, c.sampling, api === 'overwrite' ? 'overwrite' : 'add');
      backend.acsBackwardWeight(x, dy, dw, g, parts, c.sampling);
      return { y, dx, dw };
    }
    c.split.forEach((m, plane) => {
      const p = plane as backend.AcsPlane;
      if (m > 0) {
        const part = [{ plane: p, c0, c1: c0 + m }];
        backend.acsForward(x, w, y, g, part, c.sampling);
        backend.acsBackwardInput(dy, w, dx, g, part, c.sampling);
        backend.acsBackwardWeight(x, dy, dw, g, part, c.sampling);
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

describe('ACS kernels: the fast paths equal the plain im2col path', () => {
  const usable = backend.setAcsFastPath(true);
  it('reports whether the fast path is usable', () => assert.equal(typeof usable, 'boolean'));
  for (const c of [...CASES, ...STRIDED]) {
    it(c.name, () => {
      const ref = run(c, false, 2);
      const fast = run(c, true, 2);
      assertClose(fast.y, ref.y, { atol: 1e-4, msg: 'forward' });
      assertClose(fast.dx, ref.dx, { atol: 1e-4, msg: 'input gradient' });
      assertClose(fast.dw, ref.dw, { atol: 1e-4, rtol: 1e-4, msg: 'weight gradient' });
      const one = run(c, true, 1);
      if (CASES.includes(c) && usable) {
        // The direct kernel computes forward and input gradient per output tile: identical for any thread count.
        // (Without AVX-512, ACSCONV_ISA below avx512, these cases take the batched GEMM, tiled by thread count.)
        assert.deepEqual(one.y, fast.y, 'forward, 1 vs 2 threads');
        assert.deepEqual(one.dx, fast.dx, 'input gradient, 1 vs 2 threads');
      } else {
        // Tile widths follow the thread count, which reorders the input gradient's scatter-adds.
        assertClose(one.y, fast.y, { atol: 1e-5, msg: 'forward, 1 vs 2 threads' });
        assertClose(one.dx, fast.dx, { atol: 1e-5, msg: 'input gradient, 1 vs 2 threads' });
      }
      assertClose(one.dw, fast.dw, { atol: 1e-4, msg: 'weight gradient, 1 vs 2 threads' });
    });
  }
});

describe('ACS kernels: all parts in one call equal the parts one by one', () => {
  for (const c of [...CASES, ...STRIDED]) {
    it(c.name, () => {
      for (const fast of [true, false]) {
        const ref = run(c, fast, 2, 'part');
        const fused = run(c, fast, 2, 'fused');
        assertClose(fused.y, ref.y, { atol: 1e-4, msg: `forward (fast ${fast})` });
        assertClose(fused.dx, ref.dx, { atol: 1e-4, msg: `input gradient (fast ${fast})` });
        assertClose(fused.dw, ref.dw, { atol: 1e-4, rtol: 1e-4, msg: `weight gradient (fast ${fast})` });
        const over = run(c, fast, 2, 'overwrite');
        const initial = rand(over.dx.length, 4);
        assertClose(over.dx, ref.dx.map((v, i) => v - initial[i]), { atol: 1e-4, msg: `overwritten input gradient (fast ${fast})` });
      }
    });
  }
});
