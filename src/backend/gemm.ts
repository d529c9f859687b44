import { ShapeError } from '../util/errors.js';
import { native } from './binding.js';

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
}

/**
 * C[M,N] = alpha * op(A)[M,K] · op(B)[K,N] + beta * C, row-major and densely packed
 * (A is [M,K] or, transposed, [K,M]; B is [K,N] or [N,K]).
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
  if (A.length < M * K) throw new ShapeError(`sgemm: A has ${A.length} elements, needs ${M * K}`);
  if (B.length < K * N) throw new ShapeError(`sgemm: B has ${B.length} elements, needs ${K * N}`);
  if (C.length < M * N) throw new ShapeError(`sgemm: C has ${C.length} elements, needs ${M * N}`);
  native.sgemm(transA, transB, M, N, K, alpha, A, transA ? M : K, B, transB ? K : N, beta, C, N);
}

/** Name of the GEMM microkernel selected for this CPU. */
export function gemmKernel(): string {
  return native.gemmKernel();
}
