import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, Tensor, tensor, DTypeError, ShapeError, ValueError } from '../../src/index.js';
import { assertClose, gradcheck, loadFixture } from '../helpers.js';

const CASES = [
  'ce_mean', 'ce_sum', 'ce_none', 'ce_1d', 'ce_weight_mean', 'ce_weight_none', 'ce_ignore_mean', 'ce_ignore_custom',
  'ce_smooth_mean', 'ce_smooth_sum', 'ce_smooth_none', 'ce_smooth_ignore_mean', 'ce_smooth_weight_ignore_mean',
  'ce_spatial', 'ce_spatial_none', 'bce_mean', 'bce_sum', 'bce_none', 'bce_weight', 'bce_weight_bcast_pos',
  'bce_pos_none', 'dice_2d', 'dice_3d', 'dice_absent', 'dice_absent_present', 'dice_smooth', 'dice_flat',
  'focal_mean', 'focal_gamma0', 'focal_alpha_sum', 'focal_spatial_none', 'focal_easy', 'mse_mean', 'mse_sum', 'mse_none',
];

type Fx = ReturnType<typeof loadFixture>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOpts = any;

function call(fx: Fx, input: Tensor, target: Tensor | Tensor<'int32'>): Tensor {
  const op = fx.params.op as string;
  const o = { ...(fx.params.options as AnyOpts) };
  if (fx.has('weight')) o.weight = fx.t('weight');
  if (fx.has('posWeight')) o.posWeight = fx.t('posWeight');
  switch (op) {
    case 'crossEntropy': return F.crossEntropy(input, target as Tensor<'int32'>, o);
    case 'bceWithLogits': return F.bceWithLogits(input, target as Tensor, o);
    case 'softDiceLoss': return F.softDiceLoss(input, target as Tensor<'int32'>, o);
    case 'focalLoss': return F.focalLoss(input, target as Tensor<'int32'>, o);
    case 'mseLoss': return F.mseLoss(input, target as Tensor, o);
    default: throw new Error(`unknown op ${op}`);
  }
}

const floatTarget = (fx: Fx): boolean => ['bceWithLogits', 'mseLoss'].includes(fx.params.op as string);

for (const name of CASES) {
  test(`loss fixture ${name}: value and gradients match PyTorch`, () => {
    const fx = loadFixture('loss', name);
    const input = fx.t('input').clone().requiresGrad_();
    const target = floatTarget(fx) ? fx.t('target').clone().requiresGrad_() : fx.ti('target');
    const loss = call(fx, input, target);
    assertClose(loss, fx.t('loss'), { atol: 1e-5, rtol: 1e-5, msg: `${name} loss` });
    loss.backward(fx.t('gout'));
    assertClose(input.grad!, fx.t('grad_input'), { atol: 1e-5, rtol: 1e-4, msg: `${name} grad input` });
    if (fx.has('grad_target')) assertClose((target as Tensor).grad!, fx.t('grad_target'), { atol: 1e-5, rtol: 1e-4, msg: `${name} grad target` });
  });
}

function randn(shape: number[], seed: number, scale = 1): Tensor {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    d[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return tensor(d, shape, { requiresGrad: true });
}

const labels = (vals: number[], shape: number[]): Tensor<'int32'> => tensor(vals, shape, { dtype: 'int32' });

test('gradcheck: crossEntropy with weights, ignore and smoothing over [N, C, d]', () => {
  const t = labels([0, 2, -100, 1, 1, 0], [2, 3]);
  const w = tensor([0.5, 1, 2], [3]);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    gradcheck((x) => F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.2, reduction }), [randn([2, 3, 3], 1, 2)], { eps: 1e-2, atol: 2e-3, rtol: 1e-2 });
  }
});

test('gradcheck: bceWithLogits w.r.t. logits and target', () => {
  const pw = tensor([0.5, 2, 3], [3]);
  gradcheck((x, y) => F.bceWithLogits(x, y, { posWeight: pw, reduction: 'none' }), [randn([2, 3], 2, 3), randn([2, 3], 3, 0.5)], { eps: 1e-2, atol: 2e-3, rtol: 1e-2 });
  gradcheck((x, y) => F.bceWithLogits(x, y), [randn([2, 3], 4, 3), randn([2, 3], 5, 0.5)], { eps: 1e-2, atol: 2e-3, rtol: 1e-2 });
});

test('gradcheck: softDiceLoss both divisors', () => {
  const t = labels([0, 0, 2, 2, 0, 2, 2, 0], [2, 4]); // class 1 absent
  for (const divideBy of ['allClasses', 'presentClasses'] as const) {
    gradcheck((x) => F.softDiceLoss(x, t, { divideBy, smooth: 0.5 }), [randn([2, 3, 4], 6, 2)], { eps: 1e-2, atol: 2e-3, rtol: 1e-2 });
  }
});

test('gradcheck: focalLoss with alpha, several gammas', () => {
  const t = labels([0, 2, 1, 1], [4]);
  for (const gamma of [0, 0.5, 2, 3]) {
    gradcheck((x) => F.focalLoss(x, t, { gamma, alpha: [0.3, 1, 2], reduction: 'none' }), [randn([4, 3], 7 + gamma, 2)], { eps: 1e-2, atol: 2e-3, rtol: 1e-2 });
  }
});

test('gradcheck: mseLoss w.r.t. both inputs', () => {
  gradcheck((a, b) => F.mseLoss(a, b, { reduction: 'none' }), [randn([3, 2], 8), randn([3, 2], 9)], { eps: 1e-2, atol: 2e-3, rtol: 1e-2 });
  gradcheck((a, b) => F.mseLoss(a, b), [randn([3, 2], 10), randn([3, 2], 11)], { eps: 1e-2, atol: 2e-3, rtol: 1e-2 });
});

test('focalLoss with gamma 0 equals crossEntropy', () => {
  const x = randn([5, 4], 12, 3);
  const t = labels([3, 0, 1, 2, 3], [5]);
  assertClose(F.focalLoss(x, t, { gamma: 0 }), F.crossEntropy(x, t), { atol: 1e-6 });
});

test('crossEntropy is stable for large logits', () => {
  const x = tensor([1000, -1000, 0, 0, 1e4, -1e4], [2, 3], { requiresGrad: true });
  const loss = F.crossEntropy(x, labels([1, 2], [2]));
  assert.ok(Number.isFinite(loss.item()));
  loss.backward();
  assert.ok(x.grad!.data.every(Number.isFinite));
});

test('focalLoss gradient stays finite where p_t rounds to 1 (γ < 1)', () => {
  const x = tensor([40, -40, -40, 0.1, 0.2, 0.3], [2, 3], { requiresGrad: true });
  F.focalLoss(x, labels([0, 1], [2]), { gamma: 0.5 }).backward();
  assert.ok(x.grad!.data.every(Number.isFinite));
  assert.ok(Math.abs(x.grad!.data[0]) < 1e-12);
});

test('crossEntropy with every target ignored gives NaN for mean, as PyTorch', () => {
  const loss = F.crossEntropy(randn([2, 3], 13), labels([-100, -100], [2]));
  assert.ok(Number.isNaN(loss.item()));
});

test('losses reject bad inputs with named errors', () => {
  const x = randn([2, 3], 14);
  assert.throws(() => F.crossEntropy(x, tensor([0, 1], [2]) as never), (e: Error) => e instanceof DTypeError && /int32/.test(e.message));
  assert.throws(() => F.crossEntropy(x, labels([0, 3], [2])), (e: Error) => e instanceof ValueError && /target value 3/.test(e.message));
  assert.throws(() => F.crossEntropy(x, labels([-1, 0], [2])), /target value -1 at flat position 0/);
  assert.throws(() => F.crossEntropy(x, labels([0, 1, 2], [3])), ShapeError);
  assert.throws(() => F.crossEntropy(x, labels([0, 1], [2]), { weight: tensor([1, 2], [2]) }), /weight must have shape \[3\]/);
  assert.throws(() => F.crossEntropy(x, labels([0, 1], [2]), { reduction: 'avg' as never }), /reduction/);
  assert.throws(() => F.crossEntropy(x, labels([0, 1], [2]), { labelSmoothing: 1.5 }), /labelSmoothing/);
  assert.throws(() => F.softDiceLoss(x, labels([0, 5], [2])), /target value 5/);
  assert.throws(() => F.softDiceLoss(randn([3], 1), labels([0], [])), ShapeError);
  assert.throws(() => F.focalLoss(x, labels([0, 1], [2]), { alpha: [1, 2] }), /alpha/);
  assert.throws(() => F.focalLoss(x, labels([0, 1], [2]), { gamma: -1 }), /gamma/);
  assert.throws(() => F.focalLoss(x, tensor([0, 1], [2]) as never), DTypeError);
  assert.throws(() => F.bceWithLogits(x, randn([3, 2], 1)), /target shape/);
  assert.throws(() => F.bceWithLogits(x, randn([2, 3], 1), { posWeight: tensor([1, 2], [2]) }), /posWeight/);
  assert.throws(() => F.bceWithLogits(x, labels([0, 1, 0, 1, 0, 1], [2, 3]) as never), DTypeError);
  assert.throws(() => F.mseLoss(x, randn([3], 1)), ShapeError);
});
