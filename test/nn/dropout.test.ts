import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nn, ones, ValueError } from '../../src/index.js';

test('Dropout layers drop in training mode only', () => {
  const x = ones([2, 8, 4, 4, 4]);
  for (const m of [new nn.Dropout(0.5), new nn.Dropout3d(0.5)]) {
    const y = m.forward(x);
    assert.ok(y.data.some((v) => v === 0) && y.data.some((v) => v === 2), m.toString());
    m.eval();
    assert.equal(m.forward(x), x);
  }
  const d2 = new nn.Dropout2d(0.25);
  const y2 = d2.forward(ones([2, 16, 3, 3]));
  for (let c = 0; c < 32; c++) {
    const ch = y2.data.subarray(c * 9, c * 9 + 9);
    assert.ok(ch.every((v) => v === ch[0]));
  }
});

test('Dropout options and repr', () => {
  const d = new nn.Dropout(0.3);
  assert.equal(d.p, 0.3);
  assert.equal(d.toString(), 'Dropout(p=0.3, inplace=False)');
  assert.equal(new nn.Dropout3d().toString(), 'Dropout3d(p=0.5, inplace=False)');
  assert.throws(() => new nn.Dropout2d(2), (e: Error) => e instanceof ValueError && /Dropout2d: dropout probability p must be in \[0, 1\], got 2/.test(e.message));
});
