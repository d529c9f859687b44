import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, nn, randn, ValueError } from '../../src/index.js';
import { assertClose } from '../helpers.js';

test('activation layers apply their functional op', () => {
  const x = randn([2, 3, 4]);
  const cases: Array<[nn.Module, (t: typeof x) => typeof x]> = [
    [new nn.ReLU(), F.relu],
    [new nn.LeakyReLU(0.1), (t) => F.leakyRelu(t, 0.1)],
    [new nn.Sigmoid(), F.sigmoid],
    [new nn.Tanh(), F.tanh],
    [new nn.GELU(), (t) => F.gelu(t)],
    [new nn.GELU({ approximate: 'tanh' }), (t) => F.gelu(t, 'tanh')],
    [new nn.Hardswish(), F.hardswish],
    [new nn.Hardsigmoid(), F.hardsigmoid],
    [new nn.SiLU(), F.silu],
    [new nn.Softmax(1), (t) => F.softmax(t, 1)],
  ];
  for (const [m, f] of cases) assertClose(m.forward(x), f(x), { atol: 0, msg: m.toString() });
});

test('activation layers print like PyTorch and have no state', () => {
  assert.equal(new nn.ReLU().toString(), 'ReLU()');
  assert.equal(new nn.ReLU({ inplace: true }).toString(), 'ReLU(inplace=True)');
  assert.equal(new nn.LeakyReLU().toString(), 'LeakyReLU(negative_slope=0.01)');
  assert.equal(new nn.GELU().toString(), "GELU(approximate='none')");
  assert.equal(new nn.Softmax(-1).toString(), 'Softmax(dim=-1)');
  assert.equal(new nn.LeakyReLU(0.2).negativeSlope, 0.2);
  assert.equal(new nn.SiLU().stateDict().size, 0);
  assert.throws(() => new nn.Softmax(0.5), ValueError);
  assert.throws(() => new nn.GELU({ approximate: 'fast' as never }), /GELU: approximate must be/);
});
