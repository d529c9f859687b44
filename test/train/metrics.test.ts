import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, ShapeError } from '../../src/index.js';
import { SegmentationMeter } from '../../src/train/metrics.js';

test('Dice and IoU per class from overlap counts; mean excludes background and absent classes', () => {
  const m = new SegmentationMeter(4);
  // class 1: tp 2, fp 1, fn 1 -> dice 4/6, iou 2/4; class 2: tp 1, fp 0, fn 1 -> dice 2/3, iou 1/2; class 3 absent.
  const pred = tensor([0, 1, 1, 1, 2, 0], [6], { dtype: 'int32' });
  const truth = tensor([0, 1, 1, 2, 2, 1], [6], { dtype: 'int32' });
  m.update(pred, truth);
  const d = m.dicePerClass();
  assert.ok(Math.abs(d[1] - 4 / 6) < 1e-12);
  assert.ok(Math.abs(d[2] - 2 / 3) < 1e-12);
  assert.ok(Number.isNaN(d[3]));
  assert.ok(Math.abs(m.meanDice() - (4 / 6 + 2 / 3) / 2) < 1e-12);
  assert.ok(Math.abs(m.meanIoU() - (2 / 4 + 1 / 2) / 2) < 1e-12);
});

test('SegmentationMeter rejects mismatched shapes, float maps and out-of-range labels', () => {
  const m = new SegmentationMeter(2);
  assert.throws(() => m.update(tensor([0, 1], [2], { dtype: 'int32' }), tensor([0], [1], { dtype: 'int32' })), ShapeError);
  assert.throws(() => m.update(tensor([0, 5], [2], { dtype: 'int32' }), tensor([0, 1], [2], { dtype: 'int32' })), /label 5 outside/);
  // @ts-expect-error float maps are a type error too
  assert.throws(() => m.update(tensor([0, 1], [2]), tensor([0, 1], [2], { dtype: 'int32' })), /int32/);
});
