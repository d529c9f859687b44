import { noGrad } from '../autograd/grad-mode.js';
import { buildModel, checkModelSpec, sizeMultiple, type ModelSpec } from '../models/spec.js';
import type { Module } from '../nn/module.js';
import * as F from '../ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { shapeStr } from '../util/shape.js';
import { readCheckpoint } from './checkpoint.js';
import { slidingWindowInference, type SlidingWindowOptions } from './sliding-window.js';

/** A segmentation model ready for inference, with the spec it was built from and its checkpoint's info. */
export interface Segmenter {
  model: Module;
  spec: ModelSpec;
  info: Record<string, unknown>;
}

/**
 * Rebuilds a 3D segmentation model and loads its weights from `path`: a checkpoint written by
 * saveCheckpoint (weights under `model.`; its `info.model` names the architecture, as `acs poc` writes it)
 * or a plain state dict. `spec` overrides or supplies the architecture. Loading is strict: a spec that does
 * not match the weights is refused with the missing, unexpected and mis-shaped keys listed. The model is
 * returned in eval mode.
 */
export function loadSegmenter(path: string, spec?: ModelSpec): Segmenter {
  const { model: weights, info } = readCheckpoint(path, 'loadSegmenter');
  if (!spec && (info.model === undefined || info.model === null)) {
    throw new ValueError(
      `loadSegmenter: ${path} does not say which model it holds (no info.model); give the architecture ` +
        '(acs infer: --model, --classes, --in-channels, --width, --convert); a 2D model, such as the demo\'s 2d-slices, does not run on volumes',
    );
  }
  const s = spec ? checkModelSpec(spec) : checkModelSpec(info.model, `${path}: info.model`);
  const model = buildModel(s);
  try {
    model.loadStateDict(weights);
  } catch (e) {
    throw new ValueError(`loadSegmenter: the weights in ${path} do not fit ${JSON.stringify(s)}: ${(e as Error).message}`);
  }
  model.eval();
  return { model, spec: s, info };
}

/** Intensity normalisation before inference: per volume, over all its voxels. */
export type Normalization = 'none' | 'zscore' | 'minmax' | { window: [number, number] };

/** Options of segmentVolume: the sliding window's, plus the window size and the normalisation. */
export interface SegmentOptions extends SlidingWindowOptions {
  /** Window size (D, H, W); default the spec's trainSize, else 64 per axis. */
  roiSize?: number | readonly number[];
  /** Default 'none'. A CT window { window: [lo, hi] } clips to [lo, hi] and maps it to [0, 1]. */
  normalize?: Normalization;
  /** Also return the class probabilities (K floats per voxel); false keeps only the labels. Default true. */
  probabilities?: boolean;
}

/** Refuses a window the model cannot map to an output of the same size, before any window runs. */
export function checkWindow(spec: ModelSpec, roi: number | readonly number[]): void {
  const m = sizeMultiple(spec);
  const sizes = typeof roi === 'number' ? [roi] : [...roi];
  if (sizes.some((v) => v % m !== 0)) {
    throw new ValueError(`the window ${sizes.join('×')} does not suit ${spec.name}: each side must be a multiple of ${m} (its skips pool twice by 2)`);
  }
}

function normalized(v: Float32Array, how: Normalization): Float32Array {
  if (how === 'none') return v;
  // out = (clamp(v, lo, hi) − shift) / scale; only a window clamps.
  let [lo, hi, shift, scale] = [-Infinity, Infinity, 0, 1];
  if (how === 'zscore') {
    let sum = 0;
    for (const x of v) sum += x;
    shift = sum / v.length;
    let sq = 0;
    for (const x of v) sq += (x - shift) * (x - shift);
    scale = Math.sqrt(sq / v.length);
  } else if (how === 'minmax') {
    let [min, max] = [Infinity, -Infinity];
    for (const x of v) [min, max] = [Math.min(min, x), Math.max(max, x)];
    [shift, scale] = [min, max - min];
  } else {
    [lo, hi] = how.window;
    if (!(hi > lo)) throw new ValueError(`segmentVolume: a window must have hi > lo, got [${lo}, ${hi}]`);
    [shift, scale] = [lo, hi - lo];
  }
  const out = new Float32Array(v.length);
  // A constant volume has no spread: it maps to 0 rather than to NaN.
  if (scale > 0) for (let i = 0; i < v.length; i++) out[i] = (Math.min(hi, Math.max(lo, v[i])) - shift) / scale;
  return out;
}

/**
 * Segments one volume: `volume` is [D, H, W] (one channel) or [C, D, H, W], as io.readNifti returns a
 * scan or a series. Normalises it, runs the model over sliding windows and returns the labels (argmax)
 * [D, H, W] and, unless `probabilities: false`, the class probabilities (softmax over the model's outputs)
 * [K, D, H, W].
 */
export function segmentVolume(
  seg: Segmenter,
  volume: Tensor,
  opts: SegmentOptions = {},
): { probabilities: Tensor | null; labels: Tensor<'int32'> } {
  const fn = 'segmentVolume';
  const cin = seg.spec.inChannels;
  const r = volume.shape.length;
  if (r !== 3 && r !== 4) throw new ShapeError(`${fn}: volume must be [D, H, W] or [C, D, H, W], got shape ${shapeStr(volume.shape)}`);
  const c = r === 3 ? 1 : volume.shape[0];
  if (c !== cin) {
    throw new ShapeError(`${fn}: the model takes ${cin} input channel(s) but the volume ${shapeStr(volume.shape)} has ${c}`);
  }
  const spatial = volume.shape.slice(r - 3);
  const x = new Tensor(normalized(volume.data as Float32Array, opts.normalize ?? 'none'), [1, c, ...spatial], 'float32');
  const roi = opts.roiSize ?? seg.spec.trainSize ?? 64;
  checkWindow(seg.spec, roi);
  return noGrad(() => {
    const scores = slidingWindowInference(x, roi, (w) => seg.model.forward(w), opts);
    // softmax keeps the order of the scores, so the labels need not wait for it (nor its K floats a voxel).
    const labels = F.reshape(F.argmax(scores, 1), spatial);
    if (opts.probabilities === false) return { probabilities: null, labels };
    return { probabilities: F.reshape(F.softmax(scores, 1), [scores.shape[1], ...spatial]), labels };
  });
}
