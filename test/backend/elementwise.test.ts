// Native elementwise kernels against float64 references, for every instruction-set variant this CPU
// runs, on 1 and 2 threads, with lengths that are odd and not a multiple of any vector width (and
// long enough that 2 threads really split the work: chunks are >= 64K elements).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backend, F, getNumThreads, manualSeed, setNumThreads, Tensor } from '../../src/index.js';

const VARIANTS = (['generic', 'avx2', 'avx512'] as const).filter((v) => {
  const ok = backend.setElementwiseKernel(v);
  backend.setElementwiseKernel('best');
  return ok;
});

/** Runs fn under every variant × {1, 2} threads, restoring the defaults. */
function eachConfig(fn: (label: string) => void): void {
  const saved = getNumThreads();
  try {
    for (const v of VARIANTS) {
      backend.setElementwiseKernel(v);
      for (const t of [1, 2]) {
        setNumThreads(t);
        fn(`${v}/${t}t`);
      }
    }
  } finally {
    backend.setElementwiseKernel('best');
    setNumThreads(saved);
  }
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function t(data: Float32Array, shape: number[], requiresGrad = false): Tensor {
  return new Tensor(data, shape, 'float32', requiresGrad);
}

function randArr(n: number, lo: number, hi: number, seed = 1): Float32Array {
  const r = lcg(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

/** Max over i of |got − ref| / (|ref| + atol/rtol): ≤ 1 passes. */
function assertRel(got: ArrayLike<number>, ref: ArrayLike<number>, rtol: number, atol: number, what: string): void {
  assert.equal(got.length, ref.length, `${what}: length`);
  for (let i = 0; i < ref.length; i++) {
    const g = got[i];
    const r = ref[i];
    if (Number.isNaN(r)) {
      assert.ok(Number.isNaN(g), `${what}[${i}]: expected NaN, got ${g}`);
      continue;
    }
    if (!Number.isFinite(r)) {
      assert.equal(g, r, `${what}[${i}]`);
      continue;
    }
    const err = Math.abs(g - r);
    if (err > rtol * Math.abs(r) + atol) assert.fail(`${what}[${i}]: got ${g}, want ${r} (x index ${i}, rel ${(err / Math.abs(r)).toExponential(2)})`);
  }
}

// erfc in float64: power series of erf below 2, Lentz-free backward continued fraction above.
function erfc64(x: number): number {
  const z = Math.abs(x);
  let r: number;
  if (z < 2) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 60; n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    r = 1 - (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = 0;
    for (let k = 120; k >= 1; k--) f = k / 2 / (z + f);
    r = Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + f);
  }
  return x >= 0 ? r : 2 - r;
}

const REF: Record<string, (v: number) => number> = {
  exp: Math.exp,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: Math.tanh,
  silu: (v) => v / (1 + Math.exp(-v)),
  gelu: (v) => 0.5 * v * erfc64(-v / Math.SQRT2),
  hardswish: (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6,
  hardsigmoid: (v) => Math.min(Math.max(v + 3, 0), 6) / 6,
};

// Inputs: a dense random sweep plus points where approximations usually break.
function unaryInputs(lo: number, hi: number): Float32Array {
  const base = randArr(131075, lo, hi, 7);
  const special = [0, -0, 1e-30, -1e-30, 1e-7, -1e-7, 1e-3, -3e-3, 0.3, -0.62, 0.625, -0.625, 0.63, 1, -1, 3, -3, 5, -5, 9.5, -9.5, lo, hi];
  special.forEach((v, i) => (base[i * 97] = v));
  return base;
}

test('transcendental activations stay within 1e-6 relative of float64 (all variants, 1 and 2 threads)', () => {
  const ops: [string, (x: Tensor) => Tensor, number, number][] = [
    ['exp', F.exp, -80, 80],
    ['sigmoid', F.sigmoid, -80, 40],
    ['tanh', F.tanh, -12, 12],
    ['silu', F.silu, -80, 40],
    ['gelu', (x) => F.gelu(x), -12, 12],
    ['hardswish', F.hardswish, -6, 6],
    ['hardsigmoid', F.hardsigmoid, -6, 6],
  ];
  for (const [name, f, lo, hi] of ops) {
    const x = unaryInputs(lo, hi);
    const ref = Float64Array.from(x, REF[name]);
    eachConfig((cfg) => {
      // atol only covers results below float32's normal range (the kernels flush those to 0).
      assertRel(f(t(x, [x.length])).data, ref, 1e-6, 2e-38, `${name} ${cfg}`);
    });
  }
});

test('activation gradients match float64 derivatives', () => {
  const x = unaryInputs(-10, 10);
  const g = randArr(x.length, -1, 1, 3);
  const phi = (v: number): number => Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
  const cases: [string, (x: Tensor) => Tensor, (v: number) => number][] = [
    ['sigmoid', F.sigmoid, (v) => { const s = 1 / (1 + Math.exp(-v)); return s * (1 - s); }],
    ['tanh', F.tanh, (v) => 1 - Math.tanh(v) ** 2],
    ['silu', F.silu, (v) => { const s = 1 / (1 + Math.exp(-v)); return s * (1 + v * (1 - s)); }],
    ['gelu', (v) => F.gelu(v), (v) => 0.5 * erfc64(-v / Math.SQRT2) + v * phi(v)],
    ['hardswish', F.hardswish, (v) => (v < -3 ? 0 : v <= 3 ? v / 3 + 0.5 : 1)],
    ['hardsigmoid', F.hardsigmoid, (v) => (v > -3 && v < 3 ? 1 / 6 : 0)],
    ['leakyRelu', (v) => F.leakyRelu(v, 0.2), (v) => (v > 0 ? 1 : 0.2)],
  ];
  for (const [name, f, dref] of cases) {
    const ref = Float64Array.from(x, (v, i) => g[i] * dref(v));
    eachConfig((cfg) => {
      const xt = t(x, [x.length], true);
      f(xt).backward(t(g, [g.length]));
      // Derivatives computed from the float32 output (sigmoid, tanh) inherit its rounding: 1e-5.
      assertRel(xt.grad!.data, ref, 1e-5, 1e-6, `${name}' ${cfg}`);
    });
  }
});

test('relu / leakyRelu: exact, NaN passes forward and gets zero gradient', () => {
  const x = randArr(131077, -1, 1, 11);
  x[5] = NaN;
  x[6] = -0;
  x[7] = Infinity;
  x[8] = -Infinity;
  eachConfig((cfg) => {
    const xt = t(x, [x.length], true);
    const y = F.relu(xt);
    y.backward(t(new Float32Array(x.length).fill(2), [x.length]));
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      const want = Number.isNaN(v) ? NaN : v > 0 ? v : 0;
      if (!Object.is(y.data[i], want) && !(want === 0 && y.data[i] === 0)) assert.fail(`relu ${cfg} [${i}]: ${y.data[i]} vs ${want}`);
      assert.equal(xt.grad!.data[i], v > 0 ? 2 : 0, `relu' ${cfg} [${i}]`);
    }
    const l = F.leakyRelu(t(x, [x.length]), 0.1);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      const want = Math.fround(v > 0 ? v : v * Math.fround(0.1));
      if (!Object.is(l.data[i], want) && !(Number.isNaN(want) && Number.isNaN(l.data[i]))) assert.fail(`leakyRelu ${cfg} [${i}]: ${l.data[i]} vs ${want}`);
    }
  });
});

test('binary ops: same shape, scalar, per-channel and general broadcast are exact', () => {
  const ops: [string, (a: Tensor | number, b: Tensor | number) => Tensor, (a: number, b: number) => number][] = [
    ['add', F.add, (a, b) => a + b],
    ['sub', F.sub, (a, b) => a - b],
    ['mul', F.mul, (a, b) => a * b],
    ['div', F.div, (a, b) => a / b],
  ];
  // [shape of a, shape of b]; the larger operand has 131K+ elements so 2 threads split it.
  const layouts: [number[], number[]][] = [
    [[3, 5, 8737], [3, 5, 8737]],
    [[3, 5, 8737], [1, 5, 1]],
    [[5, 1], [3, 5, 8737]],
    [[2, 5, 13, 1009], [5, 1, 1]],
    [[10079, 13], [13]],
    [[13], [10079, 13]],
    [[3, 1, 7], [1, 5, 1]],
  ];
  const size = (s: number[]): number => s.reduce((p, v) => p * v, 1);
  for (const [sa, sb] of layouts) {
    const a = randArr(size(sa), -3, 3, 21);
    const b = randArr(size(sb), -3, 3, 22);
    b[1] = 0;
    const out = sa.length >= sb.length ? sa.map((v, i) => Math.max(v, sb[i - sa.length + sb.length] ?? 1)) : sb.map((v, i) => Math.max(v, sa[i - sb.length + sa.length] ?? 1));
    const idx = (shape: number[], flat: number): number => {
      // Broadcast index of `shape` (right-aligned to `out`) for a flat output index.
      let rem = flat;
      let off = 0;
      let stride = 1;
      for (let d = out.length - 1; d >= 0; d--) {
        const c = rem % out[d];
        rem = (rem - c) / out[d];
        const k = d - (out.length - shape.length);
        if (k >= 0) {
          if (shape[k] !== 1) off += c * stride;
          stride *= shape[k];
        }
      }
      return off;
    };
    for (const [name, f, r] of ops) {
      const ref = new Float32Array(size(out));
      for (let i = 0; i < ref.length; i++) ref[i] = r(a[idx(sa, i)], b[idx(sb, i)]);
      eachConfig((cfg) => {
        const y = f(t(a, sa), t(b, sb));
        assert.deepEqual(y.shape, out);
        // One correctly rounded float32 operation: float64-then-round is bit-identical.
        assert.deepEqual(y.data, ref, `${name} ${sa} ${sb} ${cfg}`);
      });
    }
  }
  eachConfig((cfg) => {
    const a = randArr(131073, -3, 3, 5);
    assert.deepEqual(F.sub(2, t(a, [a.length])).data, Float32Array.from(a, (v) => 2 - v), `scalar a ${cfg}`);
    assert.deepEqual(F.div(t(a, [a.length]), 3).data, Float32Array.from(a, (v) => v / 3), `scalar b ${cfg}`);
  });
});

test('sum-to-shape and mul backward for per-channel operands match float64', () => {
  const shape = [3, 6, 5, 7, 1249];
  const n = shape.reduce((p, v) => p * v, 1);
  const x = randArr(n, -1, 1, 31);
  const ref = new Float64Array(6);
  const inner = 5 * 7 * 1249;
  for (let i = 0; i < n; i++) ref[Math.floor(i / inner) % 6] += x[i];
  let total = 0;
  for (let i = 0; i < n; i++) total += x[i];
  const rows = randArr(20011 * 7, -1, 1, 32);
  const colRef = new Float64Array(7);
  for (let i = 0; i < rows.length; i++) colRef[i % 7] += rows[i];
  eachConfig((cfg) => {
    assertRel(F.sum(t(x, shape), [0, 2, 3, 4], true).data, ref, 1e-6, 1e-4, `channel sum ${cfg}`);
    assertRel(F.sum(t(x, shape)).data, [total], 1e-6, 1e-4, `total ${cfg}`);
    assertRel(F.sum(t(rows, [20011, 7]), 0).data, colRef, 1e-6, 1e-4, `column sum ${cfg}`);
    // Bias-style gradients: add and mul with a [1, C, 1, 1, 1] operand.
    const a = t(x, shape, true);
    const b = t(Float32Array.from([1, 2, 3, 4, 5, 6]), [1, 6, 1, 1, 1], true);
    const g = randArr(n, -1, 1, 33);
    F.mul(a, b).backward(t(g, shape));
    const gbRef = new Float64Array(6);
    for (let i = 0; i < n; i++) gbRef[Math.floor(i / inner) % 6] += g[i] * x[i];
    assertRel(b.grad!.data, gbRef, 1e-5, 1e-3, `mul grad b ${cfg}`);
    assertRel(a.grad!.data, Float32Array.from(g, (v, i) => Math.fround(v * (Math.floor(i / inner) % 6 + 1))), 0, 0, `mul grad a ${cfg}`);
  });
});

test('softmax / logSoftmax over dim 1 and their gradients match float64', () => {
  const shape = [3, 7, 2, 3001];
  const [N, C] = shape;
  const S = 2 * 3001;
  const x = randArr(N * C * S, -20, 20, 41);
  x[3] = -Infinity;
  const g = randArr(x.length, -1, 1, 42);
  const sm = new Float64Array(x.length);
  const lsm = new Float64Array(x.length);
  const dsm = new Float64Array(x.length);
  const dlsm = new Float64Array(x.length);
  for (let nn = 0; nn < N; nn++) for (let j = 0; j < S; j++) {
    const at = (c: number): number => (nn * C + c) * S + j;
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, x[at(c)]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[at(c)] - m);
    let gy = 0;
    let gs = 0;
    for (let c = 0; c < C; c++) {
      sm[at(c)] = Math.exp(x[at(c)] - m) / s;
      lsm[at(c)] = x[at(c)] - m - Math.log(s);
      gy += g[at(c)] * sm[at(c)];
      gs += g[at(c)];
    }
    for (let c = 0; c < C; c++) {
      dsm[at(c)] = sm[at(c)] * (g[at(c)] - gy);
      dlsm[at(c)] = g[at(c)] - sm[at(c)] * gs;
    }
  }
  eachConfig((cfg) => {
    const a = t(x, shape, true);
    const y = F.softmax(a, 1);
    assertRel(y.data, sm, 1e-6, 1e-9, `softmax ${cfg}`);
    y.backward(t(g, shape));
    assertRel(a.grad!.data, dsm, 1e-5, 1e-7, `softmax' ${cfg}`);
    const b = t(x, shape, true);
    const z = F.logSoftmax(b, 1);
    assertRel(z.data, lsm, 1e-6, 1e-6, `logSoftmax ${cfg}`);
    z.backward(t(g, shape));
    assertRel(b.grad!.data, dlsm, 1e-5, 1e-6, `logSoftmax' ${cfg}`);
  });
});

test('argmax over dim 1: first maximum wins, NaN counts as the maximum', () => {
  const shape = [2, 5, 30011];
  const x = randArr(2 * 5 * 30011, 0, 4, 51).map(Math.round);
  x[7] = NaN;
  x[30011 * 2 + 9] = NaN;
  const ref = new Int32Array(2 * 30011);
  for (let nn = 0; nn < 2; nn++) for (let j = 0; j < 30011; j++) {
    let best = x[nn * 5 * 30011 + j];
    for (let c = 1; c < 5; c++) {
      const v = x[(nn * 5 + c) * 30011 + j];
      if (v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
        best = v;
        ref[nn * 30011 + j] = c;
      }
    }
  }
  eachConfig((cfg) => assert.deepEqual(F.argmax(t(x, shape), 1).data, ref, `argmax ${cfg}`));
});

test('dropout: same mask for every variant and thread count, reproducible, backward reuses it', () => {
  const n = 200003;
  const x = randArr(n, 1, 2, 61);
  let first: Float32Array | null = null;
  eachConfig((cfg) => {
    manualSeed(123);
    const xt = t(x, [n], true);
    const y = F.dropout(xt, 0.3, true);
    if (!first) first = y.data;
    else assert.deepEqual(y.data, first, `mask differs under ${cfg}`);
    let kept = 0;
    for (let i = 0; i < n; i++) {
      if (y.data[i] !== 0) {
        kept++;
        assert.equal(y.data[i], Math.fround(x[i] * Math.fround(1 / 0.7)));
      }
    }
    assert.ok(Math.abs(kept / n - 0.7) < 0.005, `keep rate ${kept / n} ${cfg}`);
    y.backward(t(new Float32Array(n).fill(1), [n]));
    for (let i = 0; i < n; i++) assert.equal(xt.grad!.data[i] !== 0, y.data[i] !== 0, `grad mask ${cfg} [${i}]`);
  });
  // Successive calls draw new keys: different masks, and neighbouring elements are independent.
  manualSeed(123);
  const a = F.dropout(t(x, [n]), 0.5, true).data;
  const b = F.dropout(t(x, [n]), 0.5, true).data;
  let same = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    if ((a[i] === 0) === (b[i] === 0)) same++;
    if (i > 0 && (a[i] === 0) === (a[i - 1] === 0)) pairs++;
  }
  assert.ok(Math.abs(same / n - 0.5) < 0.01, `masks of two calls agree on ${same / n}`);
  assert.ok(Math.abs(pairs / (n - 1) - 0.5) < 0.01, `neighbours agree on ${pairs / (n - 1)}`);
});

test('backend elementwise wrappers validate lengths and layouts', () => {
  const a = new Float32Array(12);
  assert.throws(() => backend.binaryOp('add', 'same', a, new Float32Array(11), new Float32Array(12)), /other operand has 11 elements, expected 12/);
  assert.throws(() => backend.binaryOp('mul', 'chanB', a, new Float32Array(5), new Float32Array(12), 5, 2), /do not form \[outer, 5, 2\]/);
  assert.throws(() => backend.unaryForward('relu', a, new Float32Array(3)), /output has 3 elements, input 12/);
  assert.throws(() => backend.softmaxMiddle(false, a, new Float32Array(12), 2, 2, 2), /12 elements do not form \[2, 2, 2\]/);
  assert.throws(() => backend.argmaxMiddle(a, new Int32Array(5), 2, 2, 3), /output has 5 elements, expected 6/);
  assert.throws(() => backend.setElementwiseKernel('sse9' as 'avx2'), /unknown kernel 'sse9'/);
  assert.ok(['generic', 'avx2', 'avx512'].includes(backend.elementwiseKernel()));
});

test('in-place accumulation: dst += src and a per-channel bias, threaded over large arrays', () => {
  const n = 300_000; // several thread chunks
  const dst = Float32Array.from({ length: n }, (_, i) => i % 7);
  const src = Float32Array.from({ length: n }, (_, i) => (i % 5) - 2);
  backend.addInPlace(dst, src);
  for (let i = 0; i < n; i += 997) assert.equal(dst[i], (i % 7) + (i % 5) - 2);
  const [outer, C, inner] = [3, 4, 25_000];
  const y = new Float32Array(outer * C * inner).fill(1);
  backend.addChannelInPlace(y, Float32Array.of(10, 20, 30, 40), outer, C, inner);
  for (let i = 0; i < y.length; i += 1013) assert.equal(y[i], 1 + 10 * (1 + (Math.floor(i / inner) % C)));
  assert.throws(() => backend.addInPlace(dst, new Float32Array(3)), /lengths differ \(dst 300000, src 3\)/);
  assert.throws(() => backend.addChannelInPlace(y, new Float32Array(3), outer, C, inner), /do not form/);
});
