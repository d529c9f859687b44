import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, nn, randn, tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

test('Linear: PyTorch state-dict names, shapes, default-init bounds and repr', () => {
  manualSeed(0);
  const m = new nn.Linear(16, 4);
  assert.deepEqual([...m.stateDict().keys()], ['weight', 'bias']);
  assert.deepEqual([...m.weight.shape], [4, 16]);
  assert.deepEqual([...m.bias!.shape], [4]);
  // kaiming_uniform(a=√5) on fan_in 16 → bound 1/√16; bias bound 1/√16 too.
  const bound = 1 / Math.sqrt(16);
  assert.ok(m.weight.data.every((v) => Math.abs(v) <= bound));
  assert.ok(m.bias!.data.every((v) => Math.abs(v) <= bound));
  assert.ok(new Set(m.weight.data).size > 50, 'weights are random');
  assert.equal(m.toString(), 'Linear(in_features=16, out_features=4, bias=True)');
  const nb = new nn.Linear(3, 2, { bias: false });
  assert.equal(nb.bias, null);
  assert.deepEqual([...nb.stateDict().keys()], ['weight']);
  assert.equal(nb.extraRepr(), 'in_features=3, out_features=2, bias=False');
  assert.throws(() => new nn.Linear(-1, 2), /Linear: inFeatures must be a non-negative integer/);
});

test('Linear forward/backward equals F.linear and trains its parameters', () => {
  const m = new nn.Linear(3, 2);
  m.loadStateDict({ weight: tensor([[1, 0, 1], [0, 2, 0]]), bias: tensor([0.5, -1]) });
  const x = tensor([[1, 2, 3]]);
  assert.deepEqual(m.forward(x).toArray(), [[4.5, 3]]);
  const y = m.forward(randn([5, 3]));
  F.sum(y).backward();
  assert.ok(m.weight.grad && m.bias!.grad);
  assertClose(m.bias!.grad!, [5, 5]);
});

test('Identity and Flatten', () => {
  const x = randn([2, 3, 4]);
  assert.equal(new nn.Identity(1, 'ignored').forward(x), x);
  assert.deepEqual([...new nn.Flatten().forward(x).shape], [2, 12]);
  assert.deepEqual([...new nn.Flatten(0, 1).forward(x).shape], [6, 4]);
  assert.equal(new nn.Flatten().toString(), 'Flatten(start_dim=1, end_dim=-1)');
});
