import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, nn, randn, setNumThreads, getNumThreads, tensor, type Tensor } from '../../src/index.js';
import { normThenReLU } from '../../src/nn/containers.js';
import { rand } from '../helpers.js';

/** Bitwise equality (NaN equals NaN, +0 differs from -0): the fusion must not change a single value. */
function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} is ${a[i]} fused and ${b[i]} unfused`);
  }
}

function bn3d(c: number, seed: number, affine = true): nn.BatchNorm3d {
  const bn = new nn.BatchNorm3d(c, { affine });
  if (bn.weight && bn.bias) {
    bn.weight.data.set(rand(c, seed).map((v) => v + 0.25));
    bn.bias.data.set(rand(c, seed + 1).map((v) => v * 0.5));
  }
  return bn;
}

interface Run {
  y: Tensor;
  x: Tensor;
  bn: nn.BatchNorm3d;
}

/** relu(bn(x)) through Sequential (fused) and through the two layers called by hand (unfused). */
function both(shape: number[], opts: { affine?: boolean; train?: boolean; poison?: boolean } = {}): [Run, Run] {
  const { affine = true, train = true, poison = false } = opts;
  const c = shape[1];
  const base = randn(shape);
  const runningMean = rand(c, 3).map((v) => v * 0.3);
  if (poison) {
    base.data[3] = NaN;
    base.data[base.size - 2] = -0;
    // In eval mode with channel 0's bias 0, this element normalises to exactly 0: the ReLU's gradient
    // there is 0 (its mask is > 0, not >= 0).
    base.data[0] = runningMean[0];
  }
  const runs = [0, 1].map((fused) => {
    const bn = bn3d(c, 7, affine);
    if (!train) {
      bn.runningMean!.data.set(runningMean);
      bn.runningVar!.data.set(rand(c, 5).map((v) => v * 0.4 + 1));
      bn.eval();
    }
    if (poison && bn.bias) bn.bias.data[0] = 0;
    const x = base.clone().requiresGrad_();
    const y = fused ? new nn.Sequential(bn, new nn.ReLU()).forward(x) : new nn.ReLU().forward(bn.forward(x));
    return { y, x, bn };
  });
  return [runs[1], runs[0]];
}

function checkSame([f, u]: [Run, Run], what: string): void {
  sameBits(f.y.data as Float32Array, u.y.data as Float32Array, `${what} output`);
  const g = randn(f.y.shape);
  f.y.backward(g);
  u.y.backward(g);
  sameBits(f.x.grad!.data as Float32Array, u.x.grad!.data as Float32Array, `${what} input gradient`);
  if (f.bn.weight) {
    sameBits(f.bn.weight.grad!.data as Float32Array, u.bn.weight!.grad!.data as Float32Array, `${what} weight gradient`);
    sameBits(f.bn.bias!.grad!.data as Float32Array, u.bn.bias!.grad!.data as Float32Array, `${what} bias gradient`);
  }
  sameBits(f.bn.runningMean!.data, u.bn.runningMean!.data, `${what} running mean`);
  sameBits(f.bn.runningVar!.data, u.bn.runningVar!.data, `${what} running var`);
}

test('Sequential runs BatchNorm → ReLU fused, bit for bit the unfused chain (training)', () => {
  const pair = both([2, 3, 5, 6, 7]);
  assert.equal(pair[0].y.gradFn?.name, 'BatchNormReLU', 'the fused node is recorded');
  assert.equal(pair[1].y.gradFn?.name, 'Relu');
  checkSame(pair, 'training');
});

test('BatchNorm → ReLU fusion: eval mode, no affine, vector tails, NaN and -0, 1 and 2 threads', () => {
  const prev = getNumThreads();
  try {
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      checkSame(both([2, 4, 3, 5, 7], { train: false }), `eval, ${threads} thread(s)`);
      checkSame(both([3, 2, 4, 4, 5], { affine: false }), `no affine, ${threads} thread(s)`);
      // 17 positions per channel: one full AVX-512 vector and a scalar tail.
      checkSame(both([1, 3, 1, 1, 17]), `tail, ${threads} thread(s)`);
      checkSame(both([2, 2, 3, 3, 3], { train: false, poison: true }), `NaN and -0, ${threads} thread(s)`);
    }
  } finally {
    setNumThreads(prev);
  }
});

test('F.batchNorm with relu equals relu of F.batchNorm, values and gradients', () => {
  const x = randn([3, 4, 6, 5]);
  const w = randn([4]);
  const b = randn([4]);
  const make = (fused: boolean): { y: Tensor; xs: Tensor; ws: Tensor; bs: Tensor } => {
    const xs = x.clone().requiresGrad_();
    const ws = w.clone().requiresGrad_();
    const bs = b.clone().requiresGrad_();
    const y = fused
      ? F.batchNorm(xs, null, null, ws, bs, { training: true, relu: true })
      : F.relu(F.batchNorm(xs, null, null, ws, bs, { training: true }));
    return { y, xs, ws, bs };
  };
  const f = make(true);
  const u = make(false);
  sameBits(f.y.data as Float32Array, u.y.data as Float32Array, 'output');
  const g = randn(f.y.shape);
  f.y.backward(g);
  u.y.backward(g);
  for (const k of ['xs', 'ws', 'bs'] as const) {
    sameBits(f[k].grad!.data as Float32Array, u[k].grad!.data as Float32Array, `${k} gradient`);
  }
});

test('Sequential keeps a BatchNorm or ReLU whose forward is replaced out of the fusion', () => {
  class LoudReLU extends nn.ReLU {
    calls = 0;
    override forward(x: Tensor): Tensor {
      this.calls++;
      return super.forward(x);
    }
  }
  const loud = new LoudReLU();
  const bn = bn3d(2, 11);
  const y = new nn.Sequential(bn, loud).forward(randn([2, 2, 3, 3, 3]).requiresGrad_());
  assert.equal(loud.calls, 1, "a subclass's forward runs");
  assert.equal(y.gradFn?.name, 'Relu');
  // A per-instance forward (how summarize records each layer) is respected too.
  const relu = new nn.ReLU();
  let seen = 0;
  (relu as unknown as { forward: (x: Tensor) => Tensor }).forward = (x: Tensor): Tensor => {
    seen++;
    return nn.ReLU.prototype.forward.call(relu, x);
  };
  new nn.Sequential(bn3d(2, 12), relu).forward(randn([2, 2, 3, 3, 3]));
  assert.equal(seen, 1, "an instance's own forward runs");
});

test('normThenReLU (the model zoo blocks) fuses a BatchNorm with a ReLU and calls anything else as written', () => {
  const x = randn([2, 3, 4, 4, 4]);
  const fused = normThenReLU(bn3d(3, 21), new nn.ReLU(), x.clone().requiresGrad_());
  const plain = new nn.ReLU().forward(bn3d(3, 21).forward(x.clone().requiresGrad_()));
  assert.equal(fused.gradFn?.name, 'BatchNormReLU');
  sameBits(fused.data as Float32Array, plain.data as Float32Array, 'output');
  const viaGroupNorm = normThenReLU(new nn.GroupNorm(1, 3), new nn.ReLU(), x.clone().requiresGrad_());
  assert.equal(viaGroupNorm.gradFn?.name, 'Relu', 'a group norm is not fused');
});

test('BatchNorm → ReLU fusion agrees with the unfused chain where the affine map crosses 0, to the last ulp', () => {
  // Per channel, inputs step one ulp at a time through the point where s·(x − m) + b changes sign, so in
  // some channel rounding decides the ReLU's mask. The fused backward recomputes the map: only the same
  // float operations (an FMA or not alike) give the forward's mask. `npm test` runs this on every
  // instruction-set level (ACSCONV_ISA).
  const C = 256;
  const L = 128;
  const mean = rand(C, 31).map((v) => v * 0.5 + 0.5);
  const variance = rand(C, 32).map((v) => v * 0.5 + 1);
  const weight = rand(C, 33).map((v) => v * 0.5 + 1);
  const bias = rand(C, 34).map((v) => v * 0.5 + 0.5);
  const data = new Float32Array(C * L);
  const bits = new Int32Array(data.buffer);
  const at = new Float32Array(1);
  const atBits = new Int32Array(at.buffer);
  for (let c = 0; c < C; c++) {
    at[0] = mean[c] - bias[c] / (weight[c] / Math.sqrt(variance[c] + 1e-5));
    for (let i = 0; i < L; i++) bits[c * L + i] = atBits[0] + i - L / 2;
  }
  const runs = [true, false].map((fused) => {
    const bn = new nn.BatchNorm3d(C);
    bn.runningMean!.data.set(mean);
    bn.runningVar!.data.set(variance);
    bn.weight!.data.set(weight);
    bn.bias!.data.set(bias);
    bn.eval();
    const x = tensor(data.slice(), [1, C, L, 1, 1]).requiresGrad_();
    const y = fused ? new nn.Sequential(bn, new nn.ReLU()).forward(x) : new nn.ReLU().forward(bn.forward(x));
    return { y, x, bn };
  });
  checkSame([runs[0], runs[1]], 'on the boundary');
});
