/** Shared test utilities: tolerant comparisons, golden fixtures, finite-difference gradient checks. */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DType, Tensor, io } from '../src/index.js';

/** Fixtures live in the source tree (test/fixtures), not in dist/. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures');

export interface Fixture {
  t: (name: string) => Tensor;
  ti: (name: string) => Tensor<'int32'>;
  has: (name: string) => boolean;
  params: Record<string, unknown>;
}

/** Deterministic uniform values in [-1, 1) (a linear congruential sequence from `seed`). */
export function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

/** Loads test/fixtures/<family>/<name>.safetensors written by scripts/fixtures/gen_*.py. */
export function loadFixture(family: string, name: string): Fixture {
  const f = io.readSafetensors(join(FIXTURES, family, `${name}.safetensors`));
  const get = (k: string): Tensor<DType> => {
    const v = f.tensors.get(k);
    if (!v) throw new Error(`fixture ${family}/${name} has no tensor '${k}'`);
    return v;
  };
  return {
    t: (k) => get(k) as Tensor,
    ti: (k) => get(k) as Tensor<'int32'>,
    has: (k) => f.tensors.has(k),
    params: JSON.parse(f.metadata.params ?? '{}') as Record<string, unknown>,
  };
}

/** Asserts |a - b| <= atol + rtol * |b| elementwise (and equal shapes); reports the worst element. */
export function assertClose(
  actual: Tensor<DType> | ArrayLike<number>,
  expected: Tensor<DType> | ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-4, msg = '' }: { atol?: number; rtol?: number; msg?: string } = {},
): void {
  if (actual instanceof Tensor && expected instanceof Tensor) {
    assert.deepEqual([...actual.shape], [...expected.shape], `${msg} shape mismatch`);
  }
  const a = actual instanceof Tensor ? actual.data : actual;
  const b = expected instanceof Tensor ? expected.data : expected;
  assert.equal(a.length, b.length, `${msg} length mismatch`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - b[i]);
    const excess = err - (atol + rtol * Math.abs(b[i]));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    assert.fail(`${msg} mismatch at index ${worst}: got ${a[worst]}, expected ${b[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

/**
 * Finite-difference gradient check of `f` (which returns any tensor) w.r.t. each input: compares the
 * autograd gradient of `sum(f(inputs) * w)` (w a fixed random weight) with central differences.
 * float32 kernels limit precision, so eps is large and the tolerance follows from it; where an op
 * allows, also compare against a float64 oracle kept in the test.
 */
export function gradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  { eps = 1e-2, atol = 2e-2, rtol = 2e-2, maxChecks = 64 }: { eps?: number; atol?: number; rtol?: number; maxChecks?: number } = {},
): void {
  for (const x of inputs) {
    x.grad = null;
  }
  const out0 = f(...inputs);
  const w = new Float32Array(out0.size);
  let seed = 12345;
  for (let i = 0; i < w.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    w[i] = (seed / 4294967296) * 2 - 1;
  }
  const loss = (): number => {
    const o = f(...inputs.map((t) => t.detach()));
    let s = 0;
    for (let i = 0; i < o.size; i++) s += o.data[i] * w[i];
    return s;
  };
  out0.backward(new Tensor(w, out0.shape, 'float32'));
  inputs.forEach((x, k) => {
    if (!x.requiresGrad) return;
    assert.ok(x.grad, `input ${k} got no gradient`);
    const step = Math.max(1, Math.floor(x.size / maxChecks));
    for (let i = 0; i < x.size; i += step) {
      const orig = x.data[i];
      x.data[i] = orig + eps;
      const lp = loss();
      x.data[i] = orig - eps;
      const lm = loss();
      x.data[i] = orig;
      const num = (lp - lm) / (2 * eps);
      const ana = x.grad!.data[i];
      const tol = atol + rtol * Math.abs(num);
      assert.ok(Math.abs(num - ana) <= tol, `gradcheck input ${k}[${i}]: analytic ${ana}, numeric ${num}`);
    }
  });
}
