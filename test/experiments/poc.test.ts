import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TINY_CONFIG, type PocConfig } from '../../src/experiments/poc-config.js';
import { runPoc } from '../../src/experiments/poc.js';

const cfg: PocConfig = { ...TINY_CONFIG, methods: ['acs-pretrained', '2d-slices'] };

test('an interrupted run resumed from its checkpoints ends exactly like an uninterrupted one', () => {
  const full = runPoc(cfg, { quiet: true, log: () => {} });
  const dir = mkdtempSync(join(tmpdir(), 'acs-poc-'));
  // "Interrupted" after one epoch of everything, then resumed to the configured two.
  runPoc({ ...cfg, epochs2d: 1, epochs3d: 1 }, { checkpointDir: dir, quiet: true, log: () => {} });
  const logs: string[] = [];
  const resumed = runPoc(cfg, { checkpointDir: dir, resume: true, quiet: true, log: (l) => logs.push(l) });
  assert.ok(logs.some((l) => /resumed acs-pretrained after epoch 1/.test(l)), logs.join('\n'));
  assert.deepEqual(
    resumed.rows.map((r) => r.dicePerEpoch),
    full.rows.map((r) => r.dicePerEpoch),
  );
  // Checkpoints (and the sample volume for acs infer) are written atomically: no temporary files are left.
  assert.ok(readdirSync(dir).every((f) => /^seed0-[\w.-]+\.(safetensors|nii\.gz)$/.test(f)), readdirSync(dir).join(', '));
  assert.ok(readdirSync(dir).includes('seed0-sample-image.nii.gz'));
});

test('the run is deterministic by seed and differs across seeds', () => {
  const a = runPoc({ ...cfg, methods: ['acs-scratch'] }, { quiet: true, log: () => {} });
  const b = runPoc({ ...cfg, methods: ['acs-scratch'] }, { quiet: true, log: () => {} });
  const c = runPoc({ ...cfg, methods: ['acs-scratch'], seed: 3 }, { quiet: true, log: () => {} });
  assert.deepEqual(a.rows[0].dicePerEpoch, b.rows[0].dicePerEpoch);
  assert.notDeepEqual(a.figure.truth.data, c.figure.truth.data);
});
