import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, nn, tensor } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const x = tensor([0.2, -1, 2, 0.5, 0.3, -0.7], [2, 3], { requiresGrad: true });
const t = tensor([2, 0], [2], { dtype: 'int32' });

test('loss modules call their functional form with their options', () => {
  const w = tensor([1, 2, 0.5], [3]);
  const ce = new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1, reduction: 'sum' });
  assertClose(ce.forward(x, t), F.crossEntropy(x, t, { weight: w, labelSmoothing: 0.1, reduction: 'sum' }));
  assert.deepEqual([...ce.stateDict().keys()], ['weight']);
  assert.match(ce.toString(), /CrossEntropyLoss\(ignoreIndex=-100, labelSmoothing=0.1, reduction=sum\)/);

  const y = tensor([1, 0, 1, 0.5, 0, 1], [2, 3]);
  const pw = tensor([1, 2, 3], [3]);
  const bce = new nn.BCEWithLogitsLoss({ posWeight: pw });
  assertClose(bce.forward(x, y), F.bceWithLogits(x, y, { posWeight: pw }));
  assert.deepEqual([...bce.stateDict().keys()], ['pos_weight']);

  assertClose(new nn.SoftDiceLoss({ smooth: 0.5 }).forward(x, t), F.softDiceLoss(x, t, { smooth: 0.5 }));
  assertClose(new nn.FocalLoss({ gamma: 1, alpha: [1, 2, 3] }).forward(x, t), F.focalLoss(x, t, { gamma: 1, alpha: [1, 2, 3] }));
  assertClose(new nn.MSELoss({ reduction: 'none' }).forward(x, y), F.mseLoss(x, y, { reduction: 'none' }));
});

test('loss modules backpropagate', () => {
  x.grad = null;
  new nn.CrossEntropyLoss().forward(x, t).backward();
  const g = x.grad as unknown as { data: Float32Array } | null;
  assert.ok(g);
  let s = 0;
  for (const v of g.data) s += v;
  assert.ok(Math.abs(s) < 1e-6, 'softmax CE gradients sum to zero per row');
});
