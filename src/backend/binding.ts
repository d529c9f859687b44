/**
 * The native addon's surface, typed once. Only src/backend imports this; everything else goes through
 * the checked wrappers beside it. Native functions trust their arguments: the wrappers validate.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeBinding {
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
  // elementwise family (native/src/elementwise.cc): kind 0 exp, 1 sigmoid, 2 tanh, 3 silu, 4 gelu.
  unaryForward(kind: number, x: Float32Array, y: Float32Array, n: number): void;
  unaryBackward(kind: number, x: Float32Array | null, y: Float32Array | null, g: Float32Array, d: Float32Array, n: number): void;
  // GEMM family (native/src/gemm_napi.cc): force a kernel variant; false when unavailable.
  gemmSetKernel(name: string): boolean;
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

function load(): NativeBinding {
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
