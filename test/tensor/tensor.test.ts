import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, zeros, randn, manualSeed, ShapeError, DTypeError, randint } from '../../src/index.js';

test('tensor infers shapes from nested arrays and checks sizes', () => {
  const t = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  assert.deepEqual(t.shape, [2, 3]);
  assert.ok(t.data instanceof Float32Array);
  assert.throws(() => tensor([1, 2, 3], [2, 2]), ShapeError);
  assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
  assert.equal(zeros([2, 0, 3]).size, 0);
});

test('Float32Array values are shared without a copy; int32 labels cannot require grad', () => {
  const buf = new Float32Array(6);
  const t = tensor(buf, [2, 3]);
  assert.equal(t.data, buf);
  const lab = tensor([0, 2, 1], [3], { dtype: 'int32' });
  assert.ok(lab.data instanceof Int32Array);
  assert.throws(() => lab.requiresGrad_(), DTypeError);
});

test('manualSeed makes randn reproducible and randn is roughly standard normal', () => {
  manualSeed(7);
  const a = randn([10000]);
  manualSeed(7);
  const b = randn([10000]);
  assert.deepEqual(a.data, b.data);
  let m = 0;
  let v = 0;
  for (const x of a.data) m += x;
  m /= a.size;
  for (const x of a.data) v += (x - m) ** 2;
  v /= a.size;
  assert.ok(Math.abs(m) < 0.05, `mean ${m}`);
  assert.ok(Math.abs(v - 1) < 0.05, `var ${v}`);
  const r = randint(0, 3, [1000]);
  assert.ok(r.data.every((x) => x >= 0 && x < 3));
});
