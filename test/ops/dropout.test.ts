import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, ShapeError, ValueError, manualSeed, ones, randn, tensor } from '../../src/index.js';

test('dropout: identity when not training or p = 0', () => {
  const x = randn([10]);
  assert.equal(F.dropout(x, 0.5, false), x);
  assert.equal(F.dropout(x, 0, true), x);
  assert.equal(F.dropout3d(randn([1, 2, 2, 2, 2]), 0.5, false).shape.length, 5);
});

test('dropout: inverted scaling, keep rate about 1 − p, reproducible with manualSeed', () => {
  const x = ones([20000]);
  manualSeed(7);
  const y = F.dropout(x, 0.3, true);
  let kept = 0;
  for (const v of y.data) {
    if (v !== 0) {
      kept++;
      assert.ok(Math.abs(v - 1 / 0.7) < 1e-6);
    }
  }
  assert.ok(Math.abs(kept / 20000 - 0.7) < 0.02, `kept ${kept}`);
  manualSeed(7);
  assert.deepEqual(F.dropout(x, 0.3, true).data, y.data);
  assert.deepEqual([...F.dropout(tensor([1, 2]), 1, true).data], [0, 0]);
});

test('dropout gradient uses the same mask and scale', () => {
  const x = randn([1000]).requiresGrad_();
  const y = F.dropout(x, 0.5, true);
  y.backward(ones([1000]));
  for (let i = 0; i < 1000; i++) {
    assert.equal(x.grad!.data[i], y.data[i] === 0 && x.data[i] !== 0 ? 0 : 2);
  }
});

test('dropout2d / dropout3d zero whole channels', () => {
  const x = ones([4, 8, 3, 3]);
  manualSeed(1);
  const y = F.dropout2d(x, 0.5, true);
  let dropped = 0;
  for (let c = 0; c < 32; c++) {
    const ch = y.data.subarray(c * 9, c * 9 + 9);
    assert.ok(ch.every((v) => v === 0) || ch.every((v) => v === 2), `channel ${c} mixed`);
    if (ch[0] === 0) dropped++;
  }
  assert.ok(dropped > 4 && dropped < 28, `dropped ${dropped}`);
  const z = F.dropout3d(ones([2, 16, 2, 2, 2]), 0.5, true);
  for (let c = 0; c < 32; c++) {
    const ch = z.data.subarray(c * 8, c * 8 + 8);
    assert.ok(ch.every((v) => v === ch[0]));
  }
  const x2 = randn([2, 3, 2, 2, 2]).requiresGrad_();
  const y2 = F.dropout3d(x2, 0.5, true);
  y2.backward(ones([2, 3, 2, 2, 2]));
  for (let i = 0; i < x2.size; i++) assert.equal(x2.grad!.data[i], y2.data[i] === 0 ? 0 : 2);
});

test('dropout argument errors', () => {
  assert.throws(() => F.dropout(randn([2]), 1.5, true), (e: Error) => e instanceof ValueError && /dropout: p must be in \[0, 1\], got 1.5/.test(e.message));
  assert.throws(() => F.dropout2d(randn([2, 3]), 0.5, true), (e: Error) => e instanceof ShapeError && /dropout2d: input must be rank 4 or 3/.test(e.message));
  assert.throws(() => F.dropout3d(randn([2, 3, 4]), 0.5, true), /dropout3d: input must be rank 5 or 4/);
});
