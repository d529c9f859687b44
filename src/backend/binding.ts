/**
 * The native addon's surface, typed once. Only src/backend imports this; everything else goes through
 * the checked wrappers beside it. Native functions trust their arguments: the wrappers validate.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValueError } from '../util/errors.js';

export interface NativeBinding {
  // --- memory (native/src/memory.cc): malloc_trim, returning the free part of the heap to the system
  releaseFreeMemory(): boolean;
  alignmentPad(buffer: ArrayBuffer): number;
  // --- optimizer updates (native/src/optim.cc)
  sgdUpdate(p: Float32Array, g: Float32Array, buf: Float32Array | null, n: number, lr: number, momentum: number, dampening: number, wd: number, sign: number, nesterov: boolean, first: boolean): void;
  adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null, n: number, scalars: number[]): void;
  // --- instruction set (native/src/cpu.cc): the one the kernels use, and the best this CPU has
  isa(): string;
  cpuIsa(): string;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  gemmKernel(): string;
  // C[M,N] = alpha * op(A) * op(B) + beta * C, row-major.
  sgemm(
    transA: boolean,
    transB: boolean,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: Float32Array,
    lda: number,
    B: Float32Array,
    ldb: number,
    beta: number,
    C: Float32Array,
    ldc: number,
  ): void;
  // elementwise family (native/src/elementwise.cc): unary kinds 0 exp, 1 sigmoid, 2 tanh, 3 silu,
  // 4 gelu, 5 relu, 6 leakyRelu (p = slope), 7 hardswish, 8 hardsigmoid, 9 gelu (tanh form).
  unaryForward(kind: number, x: Float32Array, y: Float32Array, n: number, p?: number): void;
  unaryBackward(kind: number, x: Float32Array | null, y: Float32Array | null, g: Float32Array, d: Float32Array, n: number, p?: number): void;
  ewKernel(): string;
  ewSetKernel(name: string): boolean;
  // op 0 add, 1 sub, 2 mul, 3 div; mode 0 same, 1 scalar b, 2 scalar a, 3 b per-channel, 4 a per-channel
  // (the full operand viewed as [outer, C, inner]).
  binaryOp(op: number, mode: number, a: Float32Array, b: Float32Array, out: Float32Array, n: number, C: number, inner: number): void;
  chanSum(x: Float32Array, y: Float32Array | null, outer: number, C: number, inner: number, out: Float32Array): void;
  softmaxForward(log: boolean, x: Float32Array, y: Float32Array, outer: number, n: number, inner: number): void;
  softmaxBackward(log: boolean, y: Float32Array, g: Float32Array, d: Float32Array, outer: number, n: number, inner: number): void;
  argmaxMiddle(x: Float32Array, out: Int32Array, outer: number, n: number, inner: number): void;
  dropoutApply(x: Float32Array, y: Float32Array, n: number, k0: number, k1: number, threshold: number, scale: number): void;
  addInPlace(dst: Float32Array, src: Float32Array, n: number): void;
  addChannelInPlace(y: Float32Array, b: Float32Array, outer: number, C: number, inner: number): void;

  // ACS family (native/src/acs.cc): one part = output channels [c0, c1) convolving in one plane.
  // geo = [N, Cin, D, H, W, Cout, oD, oH, oW, k, stride×3, padding×3, dilation×3, groups, plane, c0, c1]
  // The same for several parts at once: their geometries back to back (fused where the fast path allows).
  acsForward(x: Float32Array, w: Float32Array, y: Float32Array, geos: number[], bias: Float32Array | null): void;
  acsBackwardWeight(x: Float32Array, dy: Float32Array, dw: Float32Array, geos: number[]): void;
  acsBackwardInput(dy: Float32Array, w: Float32Array, dx: Float32Array, geos: number[], overwrite: boolean): void;
  acsSetFastPath(enabled: boolean): boolean;
  // GEMM family (native/src/gemm_napi.cc): force a kernel variant; false when unavailable.
  gemmSetKernel(name: string): boolean;
  // --- pooling, normalisation, resampling (native/src/{pool,norm,resample}.cc) ---
  // geom = [NC, D, H, W, oD, oH, oW]; idx holds flat positions within an input plane.
  maxPool3dForward(x: Float32Array, geom: number[], k: number[], s: number[], p: number[], d: number[], out: Float32Array, idx: Int32Array): void;
  indexPoolBackward(gy: Float32Array, idx: Int32Array, geom: number[], gx: Float32Array): number;
  avgPool3dForward(x: Float32Array, geom: number[], k: number[], s: number[], p: number[], countIncludePad: boolean, out: Float32Array): void;
  avgPool3dBackward(gy: Float32Array, geom: number[], k: number[], s: number[], p: number[], countIncludePad: boolean, gx: Float32Array): void;
  adaptivePool3dForward(x: Float32Array, geom: number[], isMax: boolean, out: Float32Array, idx: Int32Array | null): void;
  adaptiveAvgPool3dBackward(gy: Float32Array, geom: number[], gx: Float32Array): void;
  // layout = [N, G, Cg, S, perN ? 1 : 0]
  normStats(x: Float32Array, layout: number[], mean: Float32Array, variance: Float32Array): void;
  normApply(x: Float32Array, layout: number[], mean: Float32Array, invstd: Float32Array, w: Float32Array | null, b: Float32Array | null, y: Float32Array, relu: boolean): void;
  normBackward(
    x: Float32Array,
    dy: Float32Array,
    layout: number[],
    mean: Float32Array,
    invstd: Float32Array,
    w: Float32Array | null,
    batchStats: boolean,
    dx: Float32Array | null,
    dw: Float32Array | null,
    db: Float32Array | null,
    relu: boolean,
    bias: Float32Array | null,
  ): void;
  // tables per axis: i0, i1, lambda1 (weight of i1)
  interpForward(
    x: Float32Array, geom: number[],
    i0D: Int32Array, i1D: Int32Array, lD: Float32Array,
    i0H: Int32Array, i1H: Int32Array, lH: Float32Array,
    i0W: Int32Array, i1W: Int32Array, lW: Float32Array,
    y: Float32Array,
  ): void;
  interpBackward(
    gy: Float32Array, geom: number[],
    i0D: Int32Array, i1D: Int32Array, lD: Float32Array,
    i0H: Int32Array, i1H: Int32Array, lH: Float32Array,
    i0W: Int32Array, i1W: Int32Array, lW: Float32Array,
    gx: Float32Array,
  ): void;
  // conv family (native/src/conv.cc). geom = [N, Cin, Cout, groups, in(D,H,W), out(D,H,W), k, stride,
  // padding, dilation] (22 ints); 2-D convolutions pass D = 1 with a unit kernel, stride and dilation.
  convForward(geom: number[], x: Float32Array, w: Float32Array, b: Float32Array | null, out: Float32Array): void;
  convBackwardInput(geom: number[], dout: Float32Array, w: Float32Array, dx: Float32Array, b: Float32Array | null): void;
  convBackwardWeight(geom: number[], x: Float32Array, dout: Float32Array, dw: Float32Array): void;
}

function findRoot(): string {
  // dist/src/backend/binding.js -> package root is three levels up; walk up to be layout-proof.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('acsconv: cannot locate the package root (binding.gyp) from ' + fileURLToPath(import.meta.url));
}

/** Levels of ACSCONV_ISA, highest first; the native side reads the variable itself (native/src/cpu.h). */
export const ISA_LEVELS = ['avx512', 'avx2', 'generic'] as const;

function load(): NativeBinding {
  // Checked before any kernel runs: the native side would take an unknown value for "no cap".
  const cap = process.env.ACSCONV_ISA;
  if (cap && !(ISA_LEVELS as readonly string[]).includes(cap)) {
    throw new ValueError(
      `acsconv: ACSCONV_ISA must be one of ${ISA_LEVELS.join(', ')} (the highest instruction set the kernels may use), ` +
        `got '${cap}'. Unset it to use the best this CPU has.`,
    );
  }
  const root = findRoot();
  const candidates = ['build/Release/acsconv_native.node', 'build/Debug/acsconv_native.node'];
  for (const rel of candidates) {
    const p = join(root, rel);
    if (existsSync(p)) return createRequire(import.meta.url)(p) as NativeBinding;
  }
  throw new Error(
    `acsconv: the native addon is not built (looked for ${candidates.join(', ')} under ${root}). ` +
      'Run `npm run build:native` (needs a C++17 compiler, make and python3), or reinstall the package.',
  );
}

export const native: NativeBinding = load();
