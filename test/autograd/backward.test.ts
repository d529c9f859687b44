import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tensor, record, noGrad } from '../../src/index.js';

// A tiny op built only on record(), so the autograd core is tested without the op library.
function mulRaw(a: Tensor, b: Tensor): Tensor {
  const out = new Float32Array(a.size);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] * b.data[i];
  return record(new Tensor(out, a.shape, 'float32'), 'Mul', [a, b], (g) => [mulRaw(g, b), mulRaw(g, a)]);
}

function sumRaw(a: Tensor): Tensor {
  let s = 0;
  for (const v of a.data) s += v;
  return record(new Tensor(Float32Array.of(s), [], 'float32'), 'Sum', [a], (g) => [
    new Tensor(new Float32Array(a.size).fill(g.data[0]), a.shape, 'float32'),
  ]);
}

test('backward computes product-rule gradients and accumulates over uses', () => {
  const x = tensor([1, 2, 3], [3], { requiresGrad: true });
  const y = sumRaw(mulRaw(x, x)); // sum x^2 -> grad 2x
  y.backward();
  assert.deepEqual(Array.from(x.grad!.data), [2, 4, 6]);
  const z = sumRaw(x);
  z.backward();
  assert.deepEqual(Array.from(x.grad!.data), [3, 5, 7]);
});

test('a deep chain does not overflow the stack (iterative topological sort)', () => {
  const x = tensor([1], [1], { requiresGrad: true });
  const one = tensor([1], [1]);
  let h = x;
  for (let i = 0; i < 100000; i++) h = mulRaw(h, one);
  sumRaw(h).backward();
  assert.equal(x.grad!.data[0], 1);
});

test('graph is freed after backward; a second backward names the freed op', () => {
  const x = tensor([2], [1], { requiresGrad: true });
  const y = sumRaw(mulRaw(x, x));
  y.backward();
  assert.throws(() => y.backward(), /already freed/);
  const y2 = sumRaw(mulRaw(x, x));
  y2.backward(undefined, { retainGraph: true });
  y2.backward();
  assert.equal(x.grad!.data[0], 4 + 4 + 4);
});

test('noGrad records nothing; backward on a non-scalar needs a grad', () => {
  const x = tensor([1, 2], [2], { requiresGrad: true });
  const y = noGrad(() => mulRaw(x, x));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  const z = mulRaw(x, x);
  assert.throws(() => z.backward(), /non-scalar/);
  z.backward(tensor([1, 1], [2]));
  assert.deepEqual(Array.from(x.grad!.data), [2, 4]);
});

// A rule that hands its one gradient tensor to both inputs, as addition's does.
function addRaw(a: Tensor, b: Tensor): Tensor {
  const out = new Float32Array(a.size);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] + b.data[i];
  return record(new Tensor(out, a.shape, 'float32'), 'Add', [a, b], (g) => [g, g]);
}

test('gradient sums stay private when a rule shares one gradient between inputs', () => {
  // p feeds three consumers, so its gradient is summed in place; the sum then reaches q and r as one
  // shared tensor, and q gets a second contribution that must not leak into r's gradient.
  const x = tensor([1, 2], [2], { requiresGrad: true });
  const three = tensor([3, 3], [2]);
  const p = mulRaw(x, three); // 3x
  const s = addRaw(addRaw(p, p), p); // 9x, grad of p summed over three uses
  const q = mulRaw(s, tensor([1, 1], [2]));
  const r = mulRaw(s, tensor([1, 1], [2]));
  const qr = addRaw(q, r); // s's gradient arrives twice: once from q, once from r
  const out = sumRaw(addRaw(mulRaw(q, tensor([2, 2], [2])), qr)); // dq: 3, dr: 1
  out.backward();
  // out = 2q + q + r = 3·9x + 9x = 36x
  assert.deepEqual(Array.from(x.grad!.data), [36, 36]);
  const held = x.grad!;
  sumRaw(mulRaw(x, three)).backward(); // +3, into a new array: the caller's reference keeps its values
  assert.deepEqual(Array.from(x.grad!.data), [39, 39]);
  assert.deepEqual(Array.from(held.data), [36, 36]);
});
