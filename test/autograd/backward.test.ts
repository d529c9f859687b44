import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, Tensor, backend, manualSeed, noGrad, randn, record, tensor } from '../../src/index.js';

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
  sumRaw(mulRaw(x, three)).backward(); // +3, added in place as PyTorch's AccumulateGrad does
  assert.equal(x.grad, held);
  assert.deepEqual(Array.from(held.data), [39, 39]);
});

test('leaf gradients: later passes add in place; a leaf never receives the seed or a passed-through buffer', () => {
  // Large enough (≥ 64 KB) for the engine to track the buffers it allocates during the pass.
  const x = randn([4, 8, 16, 16]).requiresGrad_();
  const w = randn([8, 8, 3, 3]).requiresGrad_();
  const y = F.conv2d(x, w, null, { padding: 1 });
  const seed = randn(y.shape);
  y.backward(seed);
  const gx = x.grad!;
  // The gradient is the engine's own output: a second pass adds into it in place and the values are
  // the doubled first ones.
  const first = Array.from(gx.data);
  F.conv2d(x, w, null, { padding: 1 }).backward(seed);
  assert.equal(x.grad, gx);
  assert.deepEqual(Array.from(gx.data), first.map((v) => Math.fround(v + v)));
  // A leaf that is itself the root gets a copy of the caller's seed, never the seed's own buffer.
  const z = randn([64, 1024]).requiresGrad_();
  const s = randn([64, 1024]);
  z.backward(s);
  assert.notEqual(z.grad!.data, s.data);
  assert.deepEqual(Array.from(z.grad!.data), Array.from(s.data));
  // A rule that passes its gradient through (reshape) must not hand the caller's seed to the leaf.
  const v = randn([64, 1024]).requiresGrad_();
  F.reshape(v, [1024, 64]).backward(F.reshape(s, [1024, 64]));
  assert.notEqual(v.grad!.data.buffer, s.data.buffer);
  s.data[0] += 1;
  assert.notEqual(v.grad!.data[0], s.data[0]);
});

test('gradient buffers reused within a backward pass: large graphs get identical gradients with and without reuse', () => {
  // Residual adds, a tensor with several consumers, a concatenation and a rule that passes its gradient
  // through (reshape), on tensors large enough for the pool (≥ 64 KB).
  const run = (reuse: boolean): number[][] => {
    const prev = backend.setGradBufferReuse(reuse);
    try {
      manualSeed(3);
      const x = randn([2, 4, 16, 16, 16]).requiresGrad_();
      const w1 = randn([4, 4, 3, 3, 3]).requiresGrad_();
      const w2 = randn([4, 4, 3, 3]).requiresGrad_();
      const a = F.relu(F.conv3d(x, w1, null, { padding: 1 }));
      const b = F.add(F.acsConv(a, w2, null, { padding: 1 }), x); // residual
      const c = F.add(F.relu(b), a); // a has two consumers
      const d = F.reshape(F.cat([c, F.mul(b, 2)], 1), [2, 8, 4096]);
      F.sum(F.mul(d, d)).backward();
      return [x, w1, w2].map((t) => Array.from(t.grad!.data));
    } finally {
      backend.setGradBufferReuse(prev);
    }
  };
  assert.deepEqual(run(true), run(false));
});

test('gradient reuse never touches what a user rule keeps or a caller holds', () => {
  manualSeed(4);
  const n = 50_000; // above the pool's minimum size
  const x = randn([n]).requiresGrad_();
  const kept: Float32Array[] = [];
  const cached = new Float32Array(n).fill(0.5);
  // A user's rule that keeps the gradient it receives and returns a tensor it also keeps.
  const custom = (t: Tensor): Tensor =>
    record(new Tensor(Float32Array.from(t.data), t.shape, 'float32'), 'Keep', [t], (g) => {
      kept.push(g.data as Float32Array);
      return [new Tensor(cached, t.shape, 'float32')];
    });
  const mid = custom(F.mul(F.relu(x), 3));
  const y = F.relu(mid);
  const seed = new Tensor(new Float32Array(n).fill(1), [n], 'float32');
  const seedCopy = Float32Array.from(seed.data);
  // The rule's own upstream ops (mul, relu) allocate gradients of the same size after it ran: a buffer
  // wrongly given back would be overwritten by them.
  y.backward(seed);
  const expected = Float32Array.from(mid.data, (v) => (v > 0 ? 1 : 0));
  assert.deepEqual(kept[0], expected, 'the gradient a user rule kept was overwritten');
  assert.ok(cached.every((v) => v === 0.5), "the rule's cached gradient was overwritten");
  assert.deepEqual(seed.data, seedCopy);
});

test('buffers a backward pass leaves over serve the next step: identical training, reused, and dropped on noGrad', () => {
  // Three SGD steps of a small conv net, reuse on and off: the parameters must agree bit for bit.
  const train = (reuse: boolean): { params: number[][]; carried: number[] } => {
    const prev = backend.setGradBufferReuse(reuse);
    try {
      manualSeed(5);
      const x = randn([2, 2, 16, 16, 16]);
      const w1 = randn([4, 2, 3, 3, 3]).requiresGrad_();
      const w2 = randn([4, 4, 3, 3]).requiresGrad_();
      const carried: number[] = [];
      for (let step = 0; step < 3; step++) {
        w1.grad = null;
        w2.grad = null;
        const a = F.relu(F.conv3d(x, w1, null, { padding: 1 }));
        const y = F.acsConv(a, w2, null, { padding: 1 });
        F.sum(F.mul(y, y)).backward();
        carried.push(backend.carriedBufferCount());
        for (const w of [w1, w2]) for (let i = 0; i < w.size; i++) w.data[i] -= 1e-4 * w.grad!.data[i];
      }
      return { params: [w1, w2].map((t) => Array.from(t.data)), carried };
    } finally {
      backend.setGradBufferReuse(prev);
    }
  };
  const on = train(true);
  const off = train(false);
  assert.deepEqual(on.params, off.params);
  assert.ok(on.carried.every((n) => n > 0), 'a pass carries buffers over');
  assert.ok(off.carried.every((n) => n === 0), 'nothing is carried with reuse off');

  // The next forward takes them; noGrad and releaseFreeMemory let them go.
  const x = randn([2, 2, 16, 16, 16]).requiresGrad_();
  F.sum(F.mul(F.relu(x), 3)).backward();
  const before = backend.carriedBufferCount();
  assert.ok(before > 0);
  const held = F.relu(x); // an output of the size the pass freed
  assert.ok(backend.carriedBufferCount() < before, 'the forward reused a carried buffer');
  noGrad(() => undefined);
  assert.equal(backend.carriedBufferCount(), 0, 'noGrad drops the carry');
  F.sum(F.mul(F.relu(x), 3)).backward();
  assert.ok(backend.carriedBufferCount() > 0);
  backend.releaseFreeMemory();
  assert.equal(backend.carriedBufferCount(), 0, 'releaseFreeMemory drops the carry');
  // A tensor a caller holds is never handed out again: the next step's outputs are other buffers.
  const heldCopy = Float32Array.from(held.data);
  F.sum(F.mul(F.relu(x), 3)).backward();
  F.relu(F.mul(x, 2));
  assert.deepEqual(held.data, heldCopy);
});
