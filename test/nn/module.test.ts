import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeError, Tensor, nn, tensor, zeros } from '../../src/index.js';

class Affine extends nn.Module {
  readonly weight: nn.Parameter;
  readonly runningMean: Tensor;
  constructor(n: number) {
    super();
    this.weight = this.registerParameter('weight', nn.Parameter.from(zeros([n])));
    this.runningMean = this.registerBuffer('running_mean', zeros([n]));
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

class Net extends nn.Module {
  readonly a: Affine;
  readonly body: nn.Sequential;
  constructor() {
    super();
    this.a = this.registerModule('a', new Affine(2));
    this.body = this.registerModule('body', new nn.Sequential(new Affine(3), new Affine(4)));
  }
  forward(x: Tensor): Tensor {
    return this.body.forward(this.a.forward(x));
  }
}

test('stateDict uses PyTorch key order and names', () => {
  const n = new Net();
  assert.deepEqual([...n.stateDict().keys()], [
    'a.weight',
    'a.running_mean',
    'body.0.weight',
    'body.0.running_mean',
    'body.1.weight',
    'body.1.running_mean',
  ]);
  assert.equal(n.parameters().length, 3);
});

test('loadStateDict reports missing, unexpected and mis-shaped keys by name', () => {
  const n = new Net();
  const sd = new Map(n.stateDict());
  sd.delete('a.weight');
  sd.set('extra.bias', zeros([1]));
  assert.throws(() => n.loadStateDict(sd), (e: Error) => e instanceof ShapeError && /missing keys: a.weight/.test(e.message) && /unexpected keys: extra.bias/.test(e.message));
  const r = n.loadStateDict(sd, { strict: false });
  assert.deepEqual(r.missingKeys, ['a.weight']);
  sd.set('body.1.weight', zeros([5]));
  assert.throws(() => n.loadStateDict(sd, { strict: false }), /body.1.weight: expected \[4\], got \[5\]/);
});

test('loadStateDict copies values in place; clone is deep and remaps fields', () => {
  const n = new Net();
  n.loadStateDict({ 'a.weight': tensor([1, 2], [2]) }, { strict: false });
  assert.deepEqual(Array.from(n.a.weight.data), [1, 2]);
  const c = n.clone();
  assert.notEqual(c.a, n.a);
  assert.equal(c.a, c.getSubmodule('a'));
  assert.equal(c.body.layers[1], c.getSubmodule('body.1'));
  assert.equal(c.a.weight, c.stateDict().get('a.weight'));
  c.a.weight.data[0] = 9;
  assert.equal(n.a.weight.data[0], 1, 'the original is untouched');
  c.eval();
  assert.equal(c.body.layers[0].training, false);
  assert.equal(n.training, true);
});
