import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backend, setNumThreads, getNumThreads, ShapeError, ValueError } from '../../src/index.js';
import { assertClose, rand } from '../helpers.js';

// float64 oracle of op(A)·op(B) for dense row-major storage with the given strides.
function naive(
  tA: boolean, tB: boolean, M: number, N: number, K: number,
  A: Float32Array, lda: number, B: Float32Array, ldb: number,
): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        s += (tA ? A[k * lda + i] : A[i * lda + k]) * (tB ? B[j * ldb + k] : B[k * ldb + j]);
      }
      out[i * N + j] = s;
    }
  }
  return out;
}

// Expected alpha*AB + beta*C0 (beta == 0 ignores C0, which may hold NaN).
function combine(ab: Float64Array, alpha: number, beta: number, c0: Float32Array): Float64Array {
  return ab.map((v, i) => alpha * v + (beta === 0 ? 0 : beta * c0[i]));
}

const tol = (K: number): { atol: number; rtol: number } => ({ atol: 2e-6 * Math.sqrt(K + 1) * 8, rtol: 1e-4 });

// Odd sizes around the tiles (8x48, 6x16, 4x16) and the cache blocks (MC 144, KC 256, NC 3072).
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 33],
  [7, 1, 65],
  [33, 65, 1],
  [65, 130, 7],
  [130, 33, 65],
  [17, 50, 300],
  [150, 20, 40],
  [20, 100, 77],
  [9, 3100, 5],
];
const SCALES: [number, number][] = [
  [1, 0],
  [0.5, 2],
  [-1.5, 1],
  [2, -0.5],
];

const KERNELS = ['avx512', 'avx2', 'generic'] as const;

test('every available kernel matches a float64 oracle: transposes, odd sizes, alpha/beta, NaN C with beta=0', () => {
  const initial = backend.gemmKernel();
  assert.ok((KERNELS as readonly string[]).includes(initial), `unexpected kernel ${initial}`);
  assert.equal(backend.setGemmKernel('generic'), true, 'the portable kernel is always available');
  try {
    for (const kernel of KERNELS) {
      if (!backend.setGemmKernel(kernel)) continue;
      assert.equal(backend.gemmKernel(), kernel);
      let seed = 1;
      for (const [M, N, K] of SHAPES) {
        for (const tA of [false, true]) {
          for (const tB of [false, true]) {
            const A = rand(M * K, seed++);
            const B = rand(K * N, seed++);
            const ab = naive(tA, tB, M, N, K, A, tA ? M : K, B, tB ? K : N);
            for (const [alpha, beta] of SCALES) {
              const c0 = beta === 0 ? new Float32Array(M * N).fill(NaN) : rand(M * N, seed++);
              const C = c0.slice();
              backend.sgemm(M, N, K, A, B, C, { transA: tA, transB: tB, alpha, beta });
              assertClose(C, combine(ab, alpha, beta, c0), {
                ...tol(K),
                msg: `${kernel} M=${M} N=${N} K=${K} tA=${tA} tB=${tB} alpha=${alpha} beta=${beta}`,
              });
            }
          }
        }
      }
    }
  } finally {
    backend.setGemmKernel(initial as (typeof KERNELS)[number]);
  }
  assert.equal(backend.setGemmKernel('no-such-kernel' as 'generic'), false);
  assert.equal(backend.gemmKernel(), initial);
});

test('row strides larger than the row length are honoured and padding in C is left alone', () => {
  const [M, N, K] = [13, 37, 70];
  for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      const lda = (tA ? M : K) + 3;
      const ldb = (tB ? K : N) + 5;
      const ldc = N + 7;
      const A = rand((tA ? K : M) * lda, 11);
      const B = rand((tB ? N : K) * ldb, 12);
      const C = new Float32Array(M * ldc).fill(42);
      backend.sgemm(M, N, K, A, B, C, { transA: tA, transB: tB, lda, ldb, ldc, beta: 0 });
      const ab = naive(tA, tB, M, N, K, A, lda, B, ldb);
      const dense = new Float32Array(M * N);
      for (let i = 0; i < M; i++) {
        dense.set(C.subarray(i * ldc, i * ldc + N), i * N);
        for (let j = N; j < ldc && i * ldc + j < C.length; j++) assert.equal(C[i * ldc + j], 42, 'padding written');
      }
      assertClose(dense, ab, { ...tol(K), msg: `strided tA=${tA} tB=${tB}` });
    }
  }
});

test('degenerate sizes: K=0 scales C by beta, alpha=0 ignores A and B, M=0 or N=0 is a no-op', () => {
  const C = new Float32Array([1, 2, 3, 4]);
  backend.sgemm(2, 2, 0, new Float32Array(0), new Float32Array(0), C, { beta: 3 });
  assert.deepEqual([...C], [3, 6, 9, 12]);
  C.fill(NaN);
  backend.sgemm(2, 2, 0, new Float32Array(0), new Float32Array(0), C, { beta: 0 });
  assert.deepEqual([...C], [0, 0, 0, 0]);
  const nanA = new Float32Array(6).fill(NaN);
  C.set([1, 2, 3, 4]);
  backend.sgemm(2, 2, 3, nanA, nanA, C, { alpha: 0, beta: 0.5 });
  assert.deepEqual([...C], [0.5, 1, 1.5, 2]);
  backend.sgemm(0, 2, 3, new Float32Array(0), new Float32Array(6), new Float32Array(0));
  backend.sgemm(2, 0, 3, new Float32Array(6), new Float32Array(0), new Float32Array(0));
});

test('the wrapper validates sizes and strides', () => {
  const a = new Float32Array(6);
  assert.throws(() => backend.sgemm(2, 2, 3, a, new Float32Array(5), new Float32Array(4)), ShapeError);
  assert.throws(() => backend.sgemm(2, 2, 3, a, new Float32Array(6), new Float32Array(3)), ShapeError);
  assert.throws(() => backend.sgemm(2, 2, 3, a, new Float32Array(6), new Float32Array(4), { lda: 2 }), /lda must be/);
  assert.throws(() => backend.sgemm(2, 2, 3, a, new Float32Array(6), new Float32Array(5), { ldc: 4 }), ShapeError);
  assert.throws(() => backend.sgemm(2.5, 2, 3, a, a, a), ValueError);
  assert.throws(() => backend.sgemm(-1, 2, 3, a, a, a), ValueError);
});

test('one and two threads agree on shapes that split over M, N and K', () => {
  const saved = getNumThreads();
  // Square-ish, tall (M split), conv forward (M small, N large), weight gradients (K huge, C tiny:
  // the last has a single output tile, so only a K split with a reduction can use two threads).
  const shapes: [number, number, number, boolean, boolean][] = [
    [200, 300, 150, false, false],
    [700, 40, 90, true, false],
    [16, 5000, 27, false, false],
    [16, 27, 20000, false, true],
    [5, 20, 20000, true, true],
  ];
  try {
    for (const [M, N, K, tA, tB] of shapes) {
      const A = rand(M * K, M + K);
      const B = rand(K * N, N + K);
      const c0 = rand(M * N, 5);
      const results: Float32Array[] = [];
      for (const threads of [1, 2]) {
        setNumThreads(threads);
        const C = c0.slice();
        backend.sgemm(M, N, K, A, B, C, { transA: tA, transB: tB, alpha: 0.75, beta: 0.25 });
        results.push(C);
      }
      const msg = `M=${M} N=${N} K=${K}`;
      assertClose(results[1], results[0], { ...tol(K), msg: `${msg} 2 threads vs 1` });
      assertClose(results[0], combine(naive(tA, tB, M, N, K, A, tA ? M : K, B, tB ? K : N), 0.75, 0.25, c0), {
        ...tol(K),
        msg: `${msg} vs oracle`,
      });
    }
  } finally {
    setNumThreads(saved);
  }
});
