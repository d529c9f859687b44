import { toACS, to2_5d, to3d, type Axis } from '../convert/index.js';
import type { Module } from '../nn/module.js';
import { ValueError } from '../util/errors.js';
import { acsUNet } from './acs-unet.js';
import { fcnResnet18 } from './fcn.js';
import { unet, unetTransposed } from './unet.js';

/**
 * What a segmentation model is, in JSON: enough to rebuild it before loading its weights. Checkpoints carry
 * one in their info (`info.model`), so `acs infer` needs no architecture flags for them.
 */
export interface ModelSpec {
  /** A zoo segmenter: the 2D ones convert; acsUNet is 3D as built. */
  name: 'unet' | 'unetTransposed' | 'fcnResnet18' | 'acsUNet';
  numClasses: number;
  inChannels: number;
  /** Channel multiplier of unet and acsUNet. Default 1. */
  width?: number;
  /** How the 2D model becomes 3D: ACS, 2.5D (unit kernel along `axis`), 3D (I3D). 'none' only for acsUNet. */
  convert: 'acs' | '2.5d' | '3d' | 'none';
  /** The 2.5D unit-kernel axis (2 = D, 3 = H, 4 = W). Default 2. */
  axis?: Axis;
  /** The spatial size the model was trained on (D, H, W), a default window for sliding-window inference. */
  trainSize?: [number, number, number];
}

const NAMES = ['unet', 'unetTransposed', 'fcnResnet18', 'acsUNet'] as const;
const CONVERSIONS = ['acs', '2.5d', '3d', 'none'] as const;

/** Checks a spec (from JSON or flags); throws ValueError naming the bad field. */
export function checkModelSpec(spec: unknown, where = 'model spec'): ModelSpec {
  const s = spec as Partial<ModelSpec> | null;
  if (!s || typeof s !== 'object') throw new ValueError(`${where}: expected an object, got ${JSON.stringify(spec)}`);
  if (!NAMES.includes(s.name as ModelSpec['name'])) throw new ValueError(`${where}: name must be one of ${NAMES.join(', ')}, got ${JSON.stringify(s.name)}`);
  for (const k of ['numClasses', 'inChannels'] as const) {
    if (!Number.isInteger(s[k]) || (s[k] as number) < 1) throw new ValueError(`${where}: ${k} must be a positive integer, got ${JSON.stringify(s[k])}`);
  }
  if (s.width !== undefined && !(typeof s.width === 'number' && s.width > 0)) throw new ValueError(`${where}: width must be positive, got ${JSON.stringify(s.width)}`);
  if (s.width !== undefined && s.width !== 1 && s.name !== 'unet' && s.name !== 'acsUNet') {
    throw new ValueError(`${where}: width applies to unet and acsUNet only, got width ${s.width} for ${s.name}`);
  }
  if (!CONVERSIONS.includes(s.convert as ModelSpec['convert'])) {
    throw new ValueError(`${where}: convert must be one of ${CONVERSIONS.join(', ')}, got ${JSON.stringify(s.convert)}`);
  }
  if ((s.name === 'acsUNet') !== (s.convert === 'none')) {
    throw new ValueError(`${where}: convert 'none' goes with acsUNet (3D as built) and only with it; got ${s.name} with '${s.convert}'`);
  }
  if (s.axis !== undefined && ![2, 3, 4].includes(s.axis)) throw new ValueError(`${where}: axis must be 2, 3 or 4 (D, H, W), got ${JSON.stringify(s.axis)}`);
  if (s.trainSize !== undefined && !(Array.isArray(s.trainSize) && s.trainSize.length === 3 && s.trainSize.every((v) => Number.isInteger(v) && v > 0))) {
    throw new ValueError(`${where}: trainSize must be three positive integers (D, H, W), got ${JSON.stringify(s.trainSize)}`);
  }
  return s as ModelSpec;
}

/** Builds the 3D model a spec describes, freshly initialised (load its weights next). */
export function buildModel(spec: ModelSpec): Module {
  const s = checkModelSpec(spec);
  const opts = { numClasses: s.numClasses, inChannels: s.inChannels };
  const width = s.width ?? 1;
  switch (s.name) {
    case 'acsUNet':
      return acsUNet({ ...opts, width });
    case 'unet':
      return convertTo(unet({ ...opts, width }), s);
    case 'unetTransposed':
      return convertTo(unetTransposed(opts), s);
    case 'fcnResnet18':
      return convertTo(fcnResnet18(opts), s);
  }
}

/**
 * What every input size (D, H, W) must be a multiple of for the model's output to match it: the UNets pool
 * twice by 2 and concatenate the skips; the FCN resamples its output to the input's size.
 */
export function sizeMultiple(spec: ModelSpec): number {
  return spec.name === 'fcnResnet18' ? 1 : 4;
}

function convertTo(m: Module, s: ModelSpec): Module {
  if (s.convert === 'acs') return toACS(m);
  if (s.convert === '2.5d') return to2_5d(m, { axis: s.axis ?? 2 });
  return to3d(m);
}
