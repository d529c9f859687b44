import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { io, models, noGrad, zeros, nn } from '../../src/index.js';
import { FIXTURES, assertClose, loadFixture } from '../helpers.js';
import { detFill, detValues, relErr } from './det-weights.js';

type Module = nn.Module;

const KEYS = JSON.parse(readFileSync(join(FIXTURES, 'models', 'keys.json'), 'utf8')) as Record<string, [string, number[]][]>;

function keysAndShapes(m: Module): [string, number[]][] {
  return [...m.stateDict()].map(([k, t]) => [k, [...t.shape]]);
}

test('det weights mirror the Python generator bit for bit', () => {
  const f = loadFixture('models', 'det_probe');
  for (const [k, s] of [['a.weight', [4, 3, 3, 3]], ['bn.running_var', [5]], ['bn.weight', [5]], ['fc.bias', [7]]] as const) {
    assert.deepEqual([...detValues(k, s)], [...f.t(k).data], k);
  }
});

test('state-dict keys and shapes equal torchvision (num_classes=10)', () => {
  const cases: [string, () => Module][] = [
    ['resnet18', () => models.resnet18({ numClasses: 10 })],
    ['resnet34', () => models.resnet34({ numClasses: 10 })],
    ['resnet50', () => models.resnet50({ numClasses: 10 })],
    ['densenet121', () => models.densenet121({ numClasses: 10 })],
    ['mobilenet_v3_small', () => models.mobilenetV3Small({ numClasses: 10 })],
    ['densenet_small', () => models.densenet121({ numClasses: 10, growthRate: 8, numInitFeatures: 16, bnSize: 2 })],
    ['unet', () => models.unet({ numClasses: 3, inChannels: 1 })],
    ['unet_transposed', () => models.unetTransposed({ numClasses: 3, inChannels: 1 })],
    ['fcn_resnet18', () => models.fcnResnet18({ numClasses: 3 })],
  ];
  for (const [name, make] of cases) assert.deepEqual(keysAndShapes(make()), KEYS[name], name);
});

test('VGG keys equal torchvision; features shapes too (classifier width reduced to keep the test light)', () => {
  for (const [name, make] of [['vgg11_bn', models.vgg11Bn], ['vgg16_bn', models.vgg16Bn]] as const) {
    const ours = keysAndShapes(make({ numClasses: 10, hiddenFeatures: 16 }));
    const ref = KEYS[name];
    assert.deepEqual(ours.map(([k]) => k), ref.map(([k]) => k), name);
    for (let i = 0; i < ref.length; i++) if (ref[i][0].startsWith('features.')) assert.deepEqual(ours[i], ref[i]);
    const shapes = new Map(ours);
    assert.deepEqual(shapes.get('classifier.0.weight'), [16, 512 * 7 * 7]);
    assert.deepEqual(shapes.get('classifier.6.weight'), [10, 16]);
  }
});

const forwardCases: [string, () => Module, number][] = [
  ['resnet18', () => models.resnet18({ numClasses: 10 }), 1e-4],
  ['resnet34', () => models.resnet34({ numClasses: 10 }), 1e-4],
  ['resnet50', () => models.resnet50({ numClasses: 10 }), 1e-4],
  ['densenet121', () => models.densenet121({ numClasses: 10 }), 1e-4],
  ['mobilenet_v3_small', () => models.mobilenetV3Small({ numClasses: 10 }), 1e-4],
  ['densenet_small', () => models.densenet121({ numClasses: 10, growthRate: 8, numInitFeatures: 16, bnSize: 2 }), 1e-4],
  ['unet', () => models.unet({ numClasses: 3, inChannels: 1 }), 1e-4],
  ['unet_transposed', () => models.unetTransposed({ numClasses: 3, inChannels: 1 }), 1e-4],
  ['fcn_resnet18', () => models.fcnResnet18({ numClasses: 3 }), 1e-4],
];

for (const [name, make, tol] of forwardCases) {
  test(`${name}: 2D forward equals torchvision with the same weights`, () => {
    const f = loadFixture('models', `${name}_2d`);
    const m = detFill(make());
    const y = noGrad(() => m.forward(f.t('x')));
    assert.deepEqual([...y.shape], [...f.t('y').shape]);
    const e = relErr(y, f.t('y'));
    assert.ok(e < tol, `${name}: max error ${e} of the output's max`);
  });
}

test('vgg11_bn: features forward equals torchvision', () => {
  const f = loadFixture('models', 'vgg11_bn_features_2d');
  const m = detFill(models.vgg11Bn({ numClasses: 10, hiddenFeatures: 8 }));
  const y = noGrad(() => m.features.forward(f.t('x')));
  assertClose(y, f.t('y'), { atol: 1e-3, rtol: 1e-3 });
});

test('options: inChannels, numClasses, the stride-1 stem without max-pool', () => {
  const m = models.resnet18({ numClasses: 2, inChannels: 1, stemStride1NoMaxPool: true }).eval();
  assert.deepEqual([...m.stateDict().get('conv1.weight')!.shape], [64, 1, 7, 7]);
  assert.equal(m.maxpool.constructor.name, 'Identity');
  const y = noGrad(() => m.forward(zeros([1, 1, 8, 8])));
  assert.deepEqual([...y.shape], [1, 2]);
});

test('weights option: loads a safetensors state dict; a file for another architecture lists the bad keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acs-zoo-'));
  try {
    const src = detFill(models.unet({ numClasses: 3, inChannels: 1 }));
    const good = join(dir, 'unet.safetensors');
    io.saveSafetensors(good, src.stateDict());
    const m = models.unet({ numClasses: 3, inChannels: 1, weights: good });
    assert.deepEqual([...m.stateDict().get('final.weight')!.data], [...src.stateDict().get('final.weight')!.data]);
    // same keys, one mis-shaped (numClasses differs)
    assert.throws(() => models.unet({ numClasses: 2, inChannels: 1, weights: good }), /final\.weight: expected \[2, 32, 1, 1\]|final\.weight/);
    // another architecture: missing and unexpected keys named
    const bad = join(dir, 'mbv3.safetensors');
    io.saveSafetensors(bad, models.mobilenetV3Small({ numClasses: 3 }).stateDict());
    assert.throws(() => models.unet({ numClasses: 3, weights: bad }), (e: Error) => /missing keys: .*enc1\.encode\.0\.weight/.test(e.message) && /unexpected keys: .*features\.0\.0\.weight/.test(e.message));
    assert.throws(() => models.unet({ weights: join(dir, 'nope.safetensors') }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
