import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueError, convert, models, nn } from '../../src/index.js';

const count = (m: nn.Module, type: string): number => {
  let n = 0;
  const walk = (x: nn.Module): void => {
    if (x.constructor.name === type) n++;
    for (const [, c] of x.namedChildren()) walk(c);
  };
  walk(m);
  return n;
};

test('buildModel: the spec names the zoo model, its conversion and its sizes', () => {
  const base = { numClasses: 4, inChannels: 2 };
  const acs = models.buildModel({ ...base, name: 'unet', width: 0.25, convert: 'acs' });
  const ref = convert.toACS(models.unet({ ...base, width: 0.25 }));
  assert.deepEqual([...acs.stateDict()].map(([k, v]) => [k, v.shape]), [...ref.stateDict()].map(([k, v]) => [k, v.shape]));
  assert.ok(count(acs, 'ACSConv') > 0);
  assert.ok(count(models.buildModel({ ...base, name: 'unet', width: 0.25, convert: '2.5d', axis: 3 }), 'Conv2_5d') > 0);
  assert.ok(count(models.buildModel({ ...base, name: 'unetTransposed', convert: '3d' }), 'Conv3d') > 0);
  assert.ok(count(models.buildModel({ ...base, name: 'acsUNet', width: 0.25, convert: 'none' }), 'ACSConv') > 0);
  assert.ok(count(models.buildModel({ ...base, name: 'fcnResnet18', convert: 'acs' }), 'ACSConv') > 0);
});

test('checkModelSpec names the bad field', () => {
  const ok = { name: 'unet', numClasses: 2, inChannels: 1, convert: 'acs' };
  const bad: [unknown, RegExp][] = [
    [null, /expected an object/],
    [{ ...ok, name: 'vgg' }, /name must be one of unet, unetTransposed, fcnResnet18, acsUNet/],
    [{ ...ok, numClasses: 0 }, /numClasses must be a positive integer/],
    [{ ...ok, inChannels: 1.5 }, /inChannels must be a positive integer/],
    [{ ...ok, width: -1 }, /width must be positive/],
    [{ ...ok, name: 'fcnResnet18', width: 0.5 }, /width applies to unet and acsUNet only/],
    [{ ...ok, convert: 'i3d' }, /convert must be one of acs, 2.5d, 3d, none/],
    [{ ...ok, convert: 'none' }, /convert 'none' goes with acsUNet/],
    [{ ...ok, name: 'acsUNet' }, /convert 'none' goes with acsUNet/],
    [{ ...ok, axis: 1 }, /axis must be 2, 3 or 4/],
    [{ ...ok, trainSize: [16, 16] }, /trainSize must be three positive integers/],
  ];
  for (const [spec, re] of bad) assert.throws(() => models.checkModelSpec(spec), (e: Error) => e instanceof ValueError && re.test(e.message), JSON.stringify(spec));
});
