import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { F, FormatError, manualSeed, nn, optim, randn } from '../../src/index.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';

function step(model: nn.Module, opt: optim.Optimizer, x: ReturnType<typeof randn>): number {
  opt.zeroGrad();
  const loss = F.mean(F.mul(model.forward(x), model.forward(x)));
  loss.backward();
  opt.step();
  return loss.item();
}

test('a run resumed from a checkpoint continues exactly like an uninterrupted one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acs-ck-'));
  manualSeed(1);
  const make = (): nn.Linear => new nn.Linear(4, 3);
  const a = make();
  const b = make();
  b.loadStateDict(a.stateDict());
  const x = randn([5, 4]);
  const optA = new optim.Adam(a.parameters(), { lr: 0.05 });
  for (let i = 0; i < 3; i++) step(a, optA, x);
  saveCheckpoint(join(dir, 'ck.safetensors'), a, optA, { epoch: 3 });
  const lossesA = [0, 1, 2].map(() => step(a, optA, x));

  const optB = new optim.Adam(b.parameters(), { lr: 0.05 });
  const info = loadCheckpoint(join(dir, 'ck.safetensors'), b, optB);
  assert.equal(info.epoch, 3);
  const lossesB = [0, 1, 2].map(() => step(b, optB, x));
  assert.deepEqual(lossesB, lossesA);
  assert.deepEqual(readdirSync(dir), ['ck.safetensors']);
});

test('a truncated checkpoint is a FormatError, a missing one names the path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acs-ck-'));
  const m = new nn.Linear(2, 2);
  const p = join(dir, 'ck.safetensors');
  saveCheckpoint(p, m, null, { epoch: 1 });
  const bytes = readFileSync(p);
  writeFileSync(p, bytes.subarray(0, bytes.length - 3));
  assert.throws(() => loadCheckpoint(p, m, null), FormatError);
  assert.throws(() => loadCheckpoint(join(dir, 'none.safetensors'), m, null), /file not found/);
});
