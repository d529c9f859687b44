import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { F, Tensor, io, models, nn, train } from '../../src/index.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

function acs(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ACSCONV_NUM_THREADS: '2' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

// One tiny demo run with checkpoints serves every test below.
const DIR = mkdtempSync(join(tmpdir(), 'acs-infer-'));
const CK = join(DIR, 'checkpoints');
const demo = acs('demo', '--tiny', '--quiet', '--methods', 'acs-scratch,2.5d-pretrained,2d-slices', '--checkpoints', '--out', DIR);

test('acs demo --checkpoints saves each model with its spec, and a sample volume with its truth as NIfTI', () => {
  assert.equal(demo.code, 0, demo.err);
  for (const f of ['seed0-acs-scratch.safetensors', 'seed0-2.5d-pretrained.safetensors', 'seed0-sample-image.nii.gz', 'seed0-sample-labels.nii.gz']) {
    assert.ok(existsSync(join(CK, f)), f);
  }
  const img = io.readNifti(join(CK, 'seed0-sample-image.nii.gz'));
  const lab = io.readNifti(join(CK, 'seed0-sample-labels.nii.gz'));
  assert.deepEqual(img.dims, lab.dims);
  assert.equal(lab.datatype, 'uint8');
  const seg = train.loadSegmenter(join(CK, 'seed0-2.5d-pretrained.safetensors'));
  assert.deepEqual(seg.spec, { name: 'unet', numClasses: 6, inChannels: 1, width: 0.125, trainSize: [16, 16, 16], convert: '2.5d', axis: 2 });
});

test('acs infer writes the labels and probabilities the library computes, placed where the scan is', () => {
  const scan = join(CK, 'seed0-sample-image.nii.gz');
  const out = join(DIR, 'seg.nii.gz');
  const probs = join(DIR, 'probs.nii');
  const r = acs('infer', scan, '--checkpoint', join(CK, 'seed0-acs-scratch.safetensors'), '--out', out, '--probabilities', probs, '--quiet', '--overlap', '0.5', '--roi', '8,16,12');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /voxels per class: 0: \d+/);
  const seg = train.loadSegmenter(join(CK, 'seed0-acs-scratch.safetensors'));
  const vol = io.readNifti(scan);
  const want = train.segmentVolume(seg, vol.data, { roiSize: [8, 16, 12], overlap: 0.5, mode: 'gaussian' });
  const labels = io.readNifti(out);
  assert.equal(labels.datatype, 'uint8');
  assert.deepEqual(labels.dims, vol.dims);
  assert.deepEqual(labels.affine, vol.affine);
  assert.deepEqual(Array.from(labels.data.data), Array.from(want.labels.data));
  const p = io.readNifti(probs);
  assert.deepEqual(p.dims, [...vol.dims, 6]);
  assert.deepEqual(Array.from(p.data.data), Array.from(want.probabilities!.data));
  // Labels alone (what acs infer computes without --probabilities) are the same labels.
  const only = train.segmentVolume(seg, vol.data, { roiSize: [8, 16, 12], overlap: 0.5, mode: 'gaussian', probabilities: false });
  assert.equal(only.probabilities, null);
  assert.deepEqual(Array.from(only.labels.data), Array.from(want.labels.data));
  const V = vol.data.size;
  for (let i = 0; i < V; i += 97) {
    let s = 0;
    for (let k = 0; k < 6; k++) s += p.data.data[k * V + i];
    assert.ok(Math.abs(s - 1) < 1e-5, `probabilities at voxel ${i} sum to ${s}`);
  }
});

test('acs infer takes the architecture from flags for a bare state dict, and refuses a wrong one by its keys', () => {
  const seg = train.loadSegmenter(join(CK, 'seed0-acs-scratch.safetensors'));
  const bare = join(DIR, 'bare.safetensors');
  io.saveSafetensors(bare, seg.model.stateDict());
  const scan = join(CK, 'seed0-sample-image.nii.gz');
  const a = join(DIR, 'a.nii.gz');
  const b = join(DIR, 'b.nii.gz');
  assert.equal(acs('infer', scan, '--checkpoint', join(CK, 'seed0-acs-scratch.safetensors'), '--out', a, '--quiet').code, 0);
  const r = acs('infer', scan, '--checkpoint', bare, '--out', b, '--quiet', '--model', 'unet', '--classes', '6', '--width', '0.125', '--roi', '16');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(Array.from(io.readNifti(b).data.data), Array.from(io.readNifti(a).data.data));
  const none = acs('infer', scan, '--checkpoint', bare, '--out', b, '--quiet');
  assert.equal(none.code, 1);
  assert.match(none.err, /does not say which model it holds.*--model/);
  const wrong = acs('infer', scan, '--checkpoint', bare, '--out', b, '--quiet', '--model', 'unet', '--classes', '3', '--width', '0.125');
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /do not fit .*final\.weight: expected \[3, 4, 1, 1\], got \[6, 4, 1, 1\]/s);
  const flat = acs('infer', scan, '--checkpoint', join(CK, 'seed0-2d-slices.safetensors'), '--out', b, '--quiet');
  assert.match(flat.err, /2D model.*does not run on volumes/);
});

test('acs infer: bad arguments are refused before anything runs, each by name', () => {
  const scan = join(CK, 'seed0-sample-image.nii.gz');
  const ck = join(CK, 'seed0-acs-scratch.safetensors');
  const out = join(DIR, 'x.nii.gz');
  const cases: [string[], RegExp][] = [
    [[scan, '--out', out], /--checkpoint is required/],
    [[scan, '--checkpoint', ck], /--out is required/],
    [[scan, '--checkpoint', ck, '--out', join(DIR, 'x.png')], /--out must end in \.nii or \.nii\.gz/],
    [[join(DIR, 'nope.nii'), '--checkpoint', ck, '--out', out], /input scan not found/],
    [[scan, '--checkpoint', join(DIR, 'nope.safetensors'), '--out', out], /file not found/],
    [[scan, '--checkpoint', ck, '--out', out, '--classes', '3'], /--classes describes the architecture and needs --model/],
    [[scan, '--checkpoint', ck, '--out', out, '--model', 'unet'], /--model needs --classes/],
    [[scan, '--checkpoint', ck, '--out', out, '--model', 'vgg', '--classes', '2'], /name must be one of unet/],
    [[scan, '--checkpoint', ck, '--out', out, '--normalize', 'window:5'], /--normalize must be none, zscore, minmax or window:LO,HI/],
    [[scan, '--checkpoint', ck, '--out', out, '--roi', '8,8'], /--roi must be one positive integer or three/],
    [[scan, '--checkpoint', ck, '--out', out, '--roi', '16,18,16'], /window 16×18×16 does not suit unet: each side must be a multiple of 4/],
    [[scan, '--checkpoint', ck, '--out', out, '--blend', 'max'], /--blend must be constant or gaussian/],
    [[scan, '--checkpoint', ck, '--out', out, '--overlap', '1'], /overlap must be in \[0, 1\)/],
    [[scan, scan, '--checkpoint', ck, '--out', out], /exactly one input scan/],
  ];
  for (const [args, re] of cases) {
    const r = acs('infer', ...args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.err, re, args.join(' '));
  }
  assert.ok(!existsSync(out), 'no output written');
});

/** A two-class "model" that scores class 0 by the input and class 1 by its negation. */
class SignModel extends nn.Module {
  forward(x: Tensor): Tensor {
    return F.cat([x, F.mul(x, -1)], 1);
  }
}

test('segmentVolume normalises per volume: zscore, minmax and a CT window', () => {
  // Any window size suits the FCN's spec, which is all segmentVolume reads of it here.
  const seg = { model: new SignModel(), spec: { name: 'fcnResnet18', numClasses: 2, inChannels: 1, convert: 'acs' } as models.ModelSpec, info: {} };
  const v = new Tensor(Float32Array.from([-1000, -200, 0, 40, 100, 400, 3000, 50]), [2, 2, 2], 'float32');
  const labels = (normalize: train.Normalization): number[] => Array.from(train.segmentVolume(seg, v, { roiSize: 2, normalize }).labels.data);
  // none: positive → class 0. zscore: above the mean (≈ 299) → class 0. minmax maps to [0, 1]: all ≥ 0 → class 0
  // except exact ties at 0 (argmax takes the first). window [-100, 300]: (v + 100) / 400 clipped, all ≥ 0.
  assert.deepEqual(labels('none'), [1, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(labels('zscore'), [1, 1, 1, 1, 1, 0, 0, 1]);
  assert.deepEqual(labels('minmax'), [0, 0, 0, 0, 0, 0, 0, 0]);
  const p = train.segmentVolume(seg, v, { roiSize: 2, normalize: { window: [-100, 300] } }).probabilities!;
  // class 0 score = clipped (v + 100) / 400; softmax of [s, −s] is 1 / (1 + e^(−2s)).
  const s = [0, 0, 0.25, 0.35, 0.5, 1, 1, 0.375];
  s.forEach((si, i) => assert.ok(Math.abs(p.data[i] - 1 / (1 + Math.exp(-2 * si))) < 1e-6, `voxel ${i}`));
  assert.throws(() => train.segmentVolume(seg, v, { roiSize: 2, normalize: { window: [5, 5] } }), /hi > lo/);
  const unetSpec = { ...seg, spec: { name: 'unet', numClasses: 2, inChannels: 1, convert: 'acs' } as models.ModelSpec };
  assert.throws(() => train.segmentVolume(unetSpec, v, { roiSize: 2 }), /window 2 does not suit unet: each side must be a multiple of 4/);
  assert.throws(() => train.segmentVolume(seg, new Tensor(new Float32Array(16), [2, 2, 2, 2], 'float32'), { roiSize: 2 }), /takes 1 input channel\(s\) but the volume \[2, 2, 2, 2\] has 2/);
});
