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

  // ACS family (native/src/acs.cc): one part = output channels [c0, c1) convolving in one plane.
  // geo = [N, Cin, D, H, W, Cout, oD, oH, oW, k, stride×3, padding×3, dilation×3, groups, plane, c0, c1]
  acsPartForward(x: Float32Array, w: Float32Array, y: Float32Array, geo: number[]): void;
  acsPartBackwardWeight(x: Float32Array, dy: Float32Array, dw: Float32Array, geo: number[]): void;
  acsPartBackwardInput(dy: Float32Array, w: Float32Array, dx: Float32Array, geo: number[]): void;
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
