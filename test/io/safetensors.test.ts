import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DType, FormatError, Tensor, io, tensor } from '../../src/index.js';

test('safetensors round trip keeps names, order, shapes, float and int values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acs-st-'));
  const p = join(dir, 'w.safetensors');
  const dict: io.TensorDict = new Map<string, Tensor<DType>>([
    ['conv.weight', tensor([1.5, -2, 3, 4], [2, 2])],
    ['bn.num_batches_tracked', tensor([7], [], { dtype: 'int32' })],
  ]);
  io.saveSafetensors(p, dict);
  const back = io.loadSafetensors(p);
  assert.deepEqual([...back.keys()], ['conv.weight', 'bn.num_batches_tracked']);
  assert.deepEqual(Array.from(back.get('conv.weight')!.data), [1.5, -2, 3, 4]);
  assert.equal(back.get('bn.num_batches_tracked')!.dtype, 'int32');
  assert.equal(back.get('bn.num_batches_tracked')!.data[0], 7);
  assert.deepEqual(readdirSync(dir), ['w.safetensors'], 'no temporary file left behind');
});

test('truncated, corrupt and missing files give FormatError naming the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acs-st-'));
  const p = join(dir, 'w.safetensors');
  io.saveSafetensors(p, { a: tensor([1, 2, 3, 4, 5, 6], [2, 3]) });
  const full = readFileSync(p);
  writeFileSync(join(dir, 't.safetensors'), full.subarray(0, full.length - 4));
  assert.throws(() => io.loadSafetensors(join(dir, 't.safetensors')), (e: Error) => e instanceof FormatError && /truncated/.test(e.message));
  const bad = Buffer.from(full);
  bad.write('{{{{', 8);
  writeFileSync(join(dir, 'c.safetensors'), bad);
  assert.throws(() => io.loadSafetensors(join(dir, 'c.safetensors')), /not valid JSON/);
  assert.throws(() => io.loadSafetensors(join(dir, 'nope.safetensors')), /file not found/);
  writeFileSync(join(dir, 's.safetensors'), Buffer.from([1, 2]));
  assert.throws(() => io.loadSafetensors(join(dir, 's.safetensors')), /too short/);
});

test('a failed save leaves neither the target nor a temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acs-st-'));
  assert.throws(() => io.saveSafetensors(join(dir, 'missing-dir', 'w.safetensors'), { a: tensor([1], [1]) }));
  assert.deepEqual(readdirSync(dir), []);
});
