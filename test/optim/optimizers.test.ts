import { test } from 'node:test';
import assert from 'node:assert/strict';
import { io, optim, Tensor, tensor, ValueError, ShapeError, DTypeError } from '../../src/index.js';
import { assertClose, loadFixture } from '../helpers.js';

const CASES = [
  'sgd_plain', 'sgd_wd', 'sgd_momentum', 'sgd_dampening', 'sgd_nesterov', 'sgd_momentum_wd', 'sgd_nesterov_wd_max',
  'sgd_groups', 'adam_default', 'adam_lr', 'adam_wd', 'adam_amsgrad', 'adam_betas_eps', 'adam_amsgrad_wd_max',
  'adam_groups', 'adamw_default', 'adamw_wd', 'adamw_amsgrad', 'adamw_betas_eps_max',
];

interface Meta {
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  options: Record<string, unknown>;
  steps: number;
  skip: [number, number];
  groups?: Array<{ idx: number[]; options: Record<string, unknown> }>;
}

function make(meta: Meta, params: Tensor[]): optim.Optimizer {
  const input = meta.groups
    ? meta.groups.map((g) => ({ params: g.idx.map((i) => params[i]), ...g.options }))
    : params;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const anyInput = input as any;
  if (meta.optimizer === 'SGD') return new optim.SGD(anyInput, meta.options as { lr: number });
  if (meta.optimizer === 'Adam') return new optim.Adam(anyInput, meta.options);
  return new optim.AdamW(anyInput, meta.options);
}

/** Runs steps [from, to) of a fixture case on `params` with `opt`; grads are fresh copies each step. */
function runSteps(fx: ReturnType<typeof loadFixture>, opt: optim.Optimizer, params: Tensor[], from: number, to: number): void {
  for (let s = from; s < to; s++) {
    params.forEach((p, i) => (p.grad = fx.has(`g${s}_${i}`) ? fx.t(`g${s}_${i}`).clone() : null));
    opt.step();
  }
}

for (const name of CASES) {
  test(`optim fixture ${name}: first step and full trajectory match PyTorch`, () => {
    const fx = loadFixture('optim', name);
    const meta = fx.params as unknown as Meta;
    const params = [0, 1, 2].map((i) => fx.t(`p${i}_init`).clone().requiresGrad_());
    const opt = make(meta, params);
    runSteps(fx, opt, params, 0, 1);
    params.forEach((p, i) => assertClose(p, fx.t(`p${i}_step1`), { atol: 1e-6, rtol: 1e-5, msg: `${name} p${i} step 1` }));
    runSteps(fx, opt, params, 1, meta.steps);
    params.forEach((p, i) => assertClose(p, fx.t(`p${i}_final`), { atol: 1e-6, rtol: 1e-5, msg: `${name} p${i} final` }));
    // Parameter 2 never had a gradient: untouched and stateless.
    assert.deepEqual([...params[2].data], [...fx.t('p2_init').data]);
    assert.equal(opt.state.has(params[2]), false);
  });

  test(`optim ${name}: stateDict/loadStateDict resume equals the uninterrupted run`, () => {
    const fx = loadFixture('optim', name);
    const meta = fx.params as unknown as Meta;
    const params = [0, 1, 2].map((i) => fx.t(`p${i}_init`).clone().requiresGrad_());
    const opt = make(meta, params);
    runSteps(fx, opt, params, 0, 3);
    const sd = opt.stateDict();
    const saved = params.map((p) => p.clone());
    // Keep stepping the first optimizer: the snapshot must not change with it.
    runSteps(fx, opt, params, 3, 4);
    const params2 = saved.map((p) => p.clone().requiresGrad_());
    const opt2 = make(meta, params2);
    opt2.loadStateDict(sd);
    runSteps(fx, opt2, params2, 3, meta.steps);
    params2.forEach((p, i) => assertClose(p, fx.t(`p${i}_final`), { atol: 1e-6, rtol: 1e-5, msg: `${name} resumed p${i}` }));
  });
}

test('optimizers never write into p.grad (grads may be shared)', () => {
  const p = tensor([1, 2, 3], [3], { requiresGrad: true });
  const g = tensor([0.5, -1, 2], [3]);
  for (const opt of [new optim.SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.1 }), new optim.Adam([p], { weightDecay: 0.1 }), new optim.AdamW([p])]) {
    p.grad = g;
    opt.step();
    opt.step();
    assert.deepEqual([...g.data], [0.5, -1, 2]);
  }
});

test('zeroGrad drops gradients of every group', () => {
  const a = tensor([1], [1], { requiresGrad: true });
  const b = tensor([1], [1], { requiresGrad: true });
  const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.1 });
  a.grad = tensor([1], [1]);
  b.grad = tensor([1], [1]);
  opt.zeroGrad();
  assert.equal(a.grad, null);
  assert.equal(b.grad, null);
});

test('stateDict has PyTorch structure: indexed state and groups with param indices', () => {
  const a = tensor([1, 2], [2], { requiresGrad: true });
  const b = tensor([3], [1], { requiresGrad: true });
  const opt = new optim.Adam([{ params: [a] }, { params: [b], lr: 0.1 }]);
  a.grad = tensor([1, 1], [2]);
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(Object.keys(sd.state), ['0']);
  assert.equal(sd.state[0].step, 1);
  assert.ok(sd.state[0].exp_avg instanceof Tensor);
  assert.deepEqual(sd.paramGroups.map((g) => [g.params, g.lr]), [[[0], 0.001], [[1], 0.1]]);
});

test('bad options and inputs are rejected with named errors', () => {
  const p = tensor([1], [1], { requiresGrad: true });
  assert.throws(() => new optim.SGD([p], { lr: -1 }), (e: Error) => e instanceof ValueError && /lr/.test(e.message));
  assert.throws(() => new optim.SGD([p], { lr: 0.1, nesterov: true }), (e: Error) => e instanceof ValueError && /nesterov/.test(e.message));
  assert.throws(() => new optim.Adam([p], { betas: [0.9, 1.5] }), (e: Error) => e instanceof ValueError && /betas/.test(e.message));
  assert.throws(() => new optim.SGD([], { lr: 0.1 }), ValueError);
  assert.throws(() => new optim.SGD([p, p], { lr: 0.1 }), /more than one group/);
  assert.throws(() => new optim.SGD([{ params: [p], momentun: 0.9 } as never], { lr: 0.1 }), /unknown option 'momentun'/);
  assert.throws(() => new optim.SGD([tensor([1], [1], { dtype: 'int32' }) as never], { lr: 0.1 }), DTypeError);
  const opt = new optim.SGD([p], { lr: 0.1 });
  p.grad = tensor([1, 2], [2]);
  assert.throws(() => opt.step(), ShapeError);
  const q = tensor([1, 2], [2], { requiresGrad: true });
  const a1 = new optim.Adam([p]);
  p.grad = tensor([1], [1]);
  a1.step();
  const a2 = new optim.Adam([q]);
  assert.throws(() => a2.loadStateDict(a1.stateDict()), ShapeError);
  assert.throws(() => new optim.Adam([p, q]).loadStateDict(a1.stateDict()), /parameters in the dict/);
});

test('optimizer state survives a safetensors round trip (flatten → file bytes → unflatten) and resumes exactly', () => {
  const fx = loadFixture('optim', 'adam_amsgrad_wd_max');
  const meta = fx.params as unknown as Meta;
  const params = [0, 1, 2].map((i) => fx.t(`p${i}_init`).clone().requiresGrad_());
  const opt = make(meta, params);
  runSteps(fx, opt, params, 0, 2);
  const { tensors, json } = optim.flattenOptimizerState(opt.stateDict());
  const chunks = io.serializeSafetensors(tensors, { metadata: { optimizer: json } });
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  const file = io.parseSafetensors(bytes);
  const params2 = params.map((p) => p.clone().requiresGrad_());
  const opt2 = make(meta, params2);
  opt2.loadStateDict(optim.unflattenOptimizerState(file.tensors, file.metadata.optimizer));
  runSteps(fx, opt2, params2, 2, meta.steps);
  params2.forEach((p, i) => assertClose(p, fx.t(`p${i}_final`), { atol: 1e-6, rtol: 1e-5, msg: `round trip p${i}` }));
  assert.throws(() => optim.unflattenOptimizerState(file.tensors, '{'), ValueError);
});

test('native updates equal the per-element formulas on a large parameter (several threads)', () => {
  const n = 70_001;
  const seq = (seed: number): Float32Array => {
    let s = seed >>> 0;
    return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32 - 0.5));
  };
  // SGD, Nesterov momentum, weight decay, maximize: two steps (the first seeds the buffer).
  const p = new Tensor(seq(1), [n], 'float32').requiresGrad_();
  const sgd = new optim.SGD([p], { lr: 0.05, momentum: 0.9, weightDecay: 1e-3, nesterov: true, maximize: true });
  const x = seq(1);
  const buf = new Float32Array(n);
  for (const [step, seed] of [[0, 2], [1, 3]]) {
    const g = seq(seed);
    p.grad = new Tensor(g.slice(), [n], 'float32');
    sgd.step();
    for (let i = 0; i < n; i++) {
      const d = -g[i] + 1e-3 * x[i];
      if (step === 0) {
        buf[i] = d; // PyTorch's clone(d_p): the update reads the stored buffer
        x[i] -= 0.05 * (buf[i] + 0.9 * buf[i]);
      } else {
        const b = (buf[i] = 0.9 * buf[i] + d);
        x[i] -= 0.05 * (d + 0.9 * b);
      }
    }
  }
  assert.deepEqual(p.data, x);
  // AdamW with amsgrad: three steps.
  const q = new Tensor(seq(4), [n], 'float32').requiresGrad_();
  const adamw = new optim.AdamW([q], { lr: 1e-3, weightDecay: 0.02, amsgrad: true });
  const y = seq(4);
  const [m, v, vmax] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let t = 1; t <= 3; t++) {
    const g = seq(10 + t);
    q.grad = new Tensor(g.slice(), [n], 'float32');
    adamw.step();
    const stepSize = 1e-3 / (1 - 0.9 ** t);
    const bc2 = Math.sqrt(1 - 0.999 ** t);
    for (let i = 0; i < n; i++) {
      y[i] *= 1 - 1e-3 * 0.02;
      m[i] = 0.9 * m[i] + (1 - 0.9) * g[i];
      v[i] = 0.999 * v[i] + (1 - 0.999) * g[i] * g[i];
      vmax[i] = Math.max(vmax[i], v[i]);
      y[i] -= (stepSize * m[i]) / (Math.sqrt(vmax[i]) / bc2 + 1e-8);
    }
  }
  assert.deepEqual(q.data, y);
});
