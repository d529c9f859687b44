import { ShapeError, ValueError } from '../util/errors.js';
import { native } from './binding.js';

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  /** Row strides of A, B and C as stored (default: dense, i.e. the stored row length). */
  lda?: number;
  ldb?: number;
  ldc?: number;
}

function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new ValueError(`sgemm: ${name} must be a non-negative integer, got ${v}`);
}

// A stored matrix of `rows` x `cols` with row stride `ld` needs (rows-1)*ld + cols elements.
function checkStored(name: string, arr: Float32Array, rows: number, cols: number, ld: number): void {
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) {
    throw new ShapeError(`sgemm: ld${name.toLowerCase()} must be an integer >= ${Math.max(1, cols)} (stored row length), got ${ld}`);
  }
  const need = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  if (arr.length < need) {
    throw new ShapeError(`sgemm: ${name} (${rows}x${cols}, ld ${ld}) needs ${need} elements, got ${arr.length}`);
  }
}

/**
 * C[M,N] = alpha * op(A)[M,K] · op(B)[K,N] + beta * C, row-major (A stored [M,K] or, transposed,
 * [K,M]; B stored [K,N] or [N,K]); beta = 0 never reads C. Like torch.addmm(C, A, B, beta, alpha, out=C).
 */
export function sgemm(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  opts: GemmOptions = {},
): void {
  const { transA = false, transB = false, alpha = 1, beta = 0 } = opts;
  checkDim('M', M);
  checkDim('N', N);
  checkDim('K', K);
  const [aRows, aCols] = transA ? [K, M] : [M, K];
  const [bRows, bCols] = transB ? [N, K] : [K, N];
  const { lda = Math.max(1, aCols), ldb = Math.max(1, bCols), ldc = Math.max(1, N) } = opts;
  checkStored('A', A, aRows, aCols, lda);
  checkStored('B', B, bRows, bCols, ldb);
  checkStored('C', C, M, N, ldc);
  if (!Number.isFinite(alpha) || Number.isNaN(beta)) {
    throw new ValueError(`sgemm: alpha must be finite and beta a number, got alpha=${alpha}, beta=${beta}`);
  }
  native.sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/** Name of the GEMM microkernel selected for this CPU ('avx512', 'avx2' or 'generic'). */
export function gemmKernel(): string {
  return native.gemmKernel();
}

/**
 * Forces a GEMM kernel variant for all later calls (tests, benchmarks); returns false and changes
 * nothing when the variant is unknown or this CPU lacks it. ACSCONV_GEMM_KERNEL sets the default.
 */
export function setGemmKernel(name: 'avx512' | 'avx2' | 'generic'): boolean {
  return native.gemmSetKernel(name);
}
