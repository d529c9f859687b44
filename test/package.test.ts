import { test } from 'node:test';
import assert from 'node:assert/strict';

test("the package root resolves by name ('acsconv') to the built output with every namespace", async () => {
  const pkg = (await import('acsconv')) as Record<string, unknown>;
  for (const name of ['tensor', 'F', 'nn', 'optim', 'convert', 'models', 'io', 'data', 'noGrad', 'setNumThreads']) {
    assert.ok(name in pkg, `missing export ${name}`);
  }
  const { tensor, F } = pkg as typeof import('../src/index.js');
  assert.deepEqual(Array.from(F.relu(tensor([-1, 2], [2])).data), [0, 2]);
});
