import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from '../../src/index.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

function acs(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ACSCONV_NUM_THREADS: '2' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('acs demo --tiny writes the table, results.json, results.md and two valid PNGs', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'acs-demo-')), 'run');
  const r = acs('demo', '--tiny', '--quiet', '--out', out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /\| method \| test Dice \| test IoU \|/);
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { rows: Array<Record<string, unknown>> };
  assert.deepEqual(
    json.rows.map((row) => row.method),
    ['acs-pretrained', 'acs-scratch', '3d-scratch', '3d-i3d-pretrained', '2.5d-pretrained', '2d-slices'],
  );
  for (const row of json.rows) {
    for (const k of ['dice', 'iou', 'trainSeconds']) assert.equal(typeof row[k], 'number', `${String(row.method)}.${k}`);
    assert.ok((row.dice as number) >= 0 && (row.dice as number) <= 1);
  }
  assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /acs-pretrained/);
  for (const png of ['figure.png', 'curves.png']) {
    const h = io.decodePngHeader(readFileSync(join(out, png)));
    assert.ok(h.width > 100 && h.height > 100, `${png} ${h.width}x${h.height}`);
  }
  // figure: columns axial/coronal/sagittal, rows input, truth and six methods -> taller than wide.
  const fig = io.decodePngHeader(readFileSync(join(out, 'figure.png')));
  assert.ok(fig.height > fig.width, `figure ${fig.width}x${fig.height}`);
});

test('acs demo --seeds 2 reports mean ± std', () => {
  const out = mkdtempSync(join(tmpdir(), 'acs-demo-'));
  const r = acs('demo', '--tiny', '--quiet', '--seeds', '2', '--methods', 'acs-scratch,2d-slices', '--out', out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /±/);
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { rows: Array<{ perSeed: unknown[] }> };
  assert.equal(json.rows.length, 2);
  assert.equal(json.rows[0].perSeed.length, 2);
});

test('bad invocations: clear message, non-zero exit, nothing written', () => {
  const unknownFlag = acs('demo', '--bogus');
  assert.equal(unknownFlag.code, 2);
  assert.match(unknownFlag.err, /Unknown option '--bogus'/);
  const unknownCmd = acs('frobnicate');
  assert.equal(unknownCmd.code, 2);
  assert.match(unknownCmd.err, /unknown command 'frobnicate'/);
  const dir = mkdtempSync(join(tmpdir(), 'acs-demo-'));
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  const unwritable = acs('demo', '--tiny', '--out', join(file, 'sub'));
  assert.equal(unwritable.code, 1);
  assert.match(unwritable.err, /cannot write to --out/);
  const notDir = acs('demo', '--tiny', '--out', file);
  assert.match(notDir.err, /not a directory/);
  const noFull = acs('poc');
  assert.equal(noFull.code, 1);
  assert.match(noFull.err, /pass --full/);
  const badSeeds = acs('demo', '--tiny', '--seeds', 'two', '--out', join(dir, 'o'));
  assert.match(badSeeds.err, /--seeds must be an integer/);
  assert.equal(existsSync(join(dir, 'o', 'results.json')), false);
  const badMethod = acs('demo', '--tiny', '--methods', 'acs,xyz', '--out', join(dir, 'o'));
  assert.match(badMethod.err, /unknown method 'acs'/);
});

test('every command has --help', () => {
  for (const c of ['demo', 'poc', 'bench', 'info']) {
    const r = acs(c, '--help');
    assert.equal(r.code, 0, c);
    assert.match(r.out, /Usage: acs /);
  }
  assert.match(acs('--help').out, /Commands:/);
});

test('acs info prints layers, parameters and FLOPs of a converted zoo model', () => {
  const r = acs('info', 'resnet18', '--to', 'acs', '--input', '3,16,16,16');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /layer1\.0\.conv1\s+ACSConv/);
  assert.match(r.out, /total: 11,[0-9]{3},[0-9]{3} parameters/);
  const bad = acs('info', 'resnet18', '--to', '2d', '--input', '3,16,16,16');
  assert.match(bad.err, /--to 2d needs a 2D input/);
  assert.match(acs('info', 'nonet').err, /unknown model 'nonet'/);
});
