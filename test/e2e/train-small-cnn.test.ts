// PENDING: rename to train-small-cnn.test.ts once nn.Conv3d, nn.BatchNorm3d, nn.ReLU, nn.MaxPool3d,
// nn.AdaptiveAvgPool3d, nn.Flatten and nn.Linear have landed on main (the fixture and its generator,
// scripts/fixtures/gen_e2e.py, are already committed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, nn, optim, type DType, type Tensor } from '../../src/index.js';
import { assertClose, loadFixture } from '../helpers.js';

function build(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv3d(1, 4, 3, { padding: 1 }),
    new nn.BatchNorm3d(4),
    new nn.ReLU(),
    new nn.MaxPool3d(2),
    new nn.Conv3d(4, 8, 3, { padding: 1 }),
    new nn.BatchNorm3d(8),
    new nn.ReLU(),
    new nn.AdaptiveAvgPool3d(1),
    new nn.Flatten(),
    new nn.Linear(8, 3),
  );
}

function withPrefix(fx: ReturnType<typeof loadFixture>, model: nn.Module, prefix: string): Map<string, Tensor<DType>> {
  const out = new Map<string, Tensor<DType>>();
  for (const k of model.stateDict().keys()) out.set(k, k.endsWith('num_batches_tracked') ? fx.ti(prefix + k) : fx.t(prefix + k));
  return out;
}

test('e2e: a small 3D CNN trains 20 SGD-momentum steps exactly as PyTorch', () => {
  const fx = loadFixture('e2e', 'train_small_cnn');
  const { steps, sgd } = fx.params as { steps: number; sgd: { lr: number; momentum: number; weightDecay: number } };
  const model = build();
  model.loadStateDict(withPrefix(fx, model, 'init.'));
  model.train();
  const opt = new optim.SGD(model.parameters(), sgd);
  const x = fx.t('x');
  const y = fx.ti('y');
  const expected = fx.t('losses').data;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  losses.forEach((l, s) => {
    assert.ok(Math.abs(l - expected[s]) <= 1e-3 * Math.abs(expected[s]), `step ${s}: loss ${l}, PyTorch ${expected[s]}`);
  });
  const final = withPrefix(fx, model, 'final.');
  for (const [k, t] of model.stateDict()) {
    if (k.endsWith('num_batches_tracked')) assert.deepEqual([...t.data], [...final.get(k)!.data], k);
    else assertClose(t, final.get(k)!, { atol: 1e-4, rtol: 1e-3, msg: k });
  }
});
