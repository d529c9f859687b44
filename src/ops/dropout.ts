/**
 * Dropout with inverted scaling (kept values × 1/(1−p)), drawing from the seedable default generator,
 * so `manualSeed` makes masks reproducible. Identity (the input itself) when not training or p = 0.
 */
import { allocF32 } from '../backend/alloc.js';
import { record } from '../autograd/record.js';
import { binaryOp, dropoutApply } from '../backend/elementwise.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { assertFloat, type DType, Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { shapeStr } from '../util/shape.js';

function checkArgs(x: Tensor, p: number, op: string): void {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: x must be a Tensor, got ${typeof x}`);
  assertFloat(x as Tensor<DType>, op, 'x');
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ValueError(`${op}: p must be in [0, 1], got ${p}`);
}

/** Keep-mask of n draws: 1 with probability 1−p (compares raw 32-bit draws: no division per element). */
function keepMask(n: number, p: number, g: Generator): Uint8Array {
  const m = new Uint8Array(n);
  if (p >= 1) return m;
  const threshold = p * 4294967296;
  for (let i = 0; i < n; i++) m[i] = g.nextU32() >= threshold ? 1 : 0;
  return m;
}

/** Multiplies channel c (a run of `span` elements) by mask[c]·scale; backward applies the same factors. */
function applyChannelMask(x: Tensor, mask: Uint8Array, span: number, scale: number, name: string): Tensor {
  const f = allocF32(mask.length);
  for (let c = 0; c < mask.length; c++) f[c] = mask[c] ? scale : 0;
  const o = allocF32(x.size);
  binaryOp('mul', 'chanB', x.data, f, o, mask.length, span);
  return record(new Tensor(o, x.shape, 'float32'), name, [x], (g) => {
    const d = allocF32(g.size);
    binaryOp('mul', 'chanB', g.data, f, d, mask.length, span);
    return [new Tensor(d, g.shape, 'float32')];
  });
}

/**
 * Zeroes each element with probability p and scales the rest by 1/(1−p) (`F.dropout(x, p, training)`).
 * The mask is a counter-based hash of a key drawn from `generator` (so `manualSeed` reproduces it),
 * computed natively and regenerated in backward rather than stored.
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  checkArgs(x, p, 'dropout');
  if (!training || p === 0) return x;
  const key: [number, number] = [generator.nextU32(), generator.nextU32()];
  // Keep where the 32-bit draw is >= p·2^32 (clamped: p just below 1 keeps almost nothing).
  const threshold = Math.min(0xffffffff, Math.ceil(p * 4294967296));
  const scale = p >= 1 ? 0 : 1 / (1 - p);
  const o = allocF32(x.size);
  if (p < 1) dropoutApply(x.data, o, key, threshold, scale);
  return record(new Tensor(o, x.shape, 'float32'), 'Dropout', [x], (g) => {
    const d = allocF32(g.size);
    if (p < 1) dropoutApply(g.data, d, key, threshold, scale);
    return [new Tensor(d, g.shape, 'float32')];
  });
}

function channelDropout(x: Tensor, p: number, training: boolean, spatialDims: number, op: string, g: Generator): Tensor {
  checkArgs(x, p, op);
  const rank = x.shape.length;
  if (rank !== spatialDims + 2 && rank !== spatialDims + 1) {
    const names = spatialDims === 2 ? '[N, C, H, W] or [C, H, W]' : '[N, C, D, H, W] or [C, D, H, W]';
    throw new ShapeError(`${op}: input must be rank ${spatialDims + 2} or ${spatialDims + 1} ${names}, got rank ${rank} (shape ${shapeStr(x.shape)})`);
  }
  if (!training || p === 0) return x;
  let span = 1;
  for (let i = rank - spatialDims; i < rank; i++) span *= x.shape[i];
  const channels = span === 0 ? 0 : x.size / span;
  const scale = p >= 1 ? 0 : 1 / (1 - p);
  return applyChannelMask(x, keepMask(channels, p, g), span, scale, op === 'dropout2d' ? 'Dropout2d' : 'Dropout3d');
}

/** Zeroes whole channels of [N, C, H, W] (or [C, H, W]) with probability p (`F.dropout2d`). */
export function dropout2d(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  return channelDropout(x, p, training, 2, 'dropout2d', generator);
}

/** Zeroes whole channels of [N, C, D, H, W] (or [C, D, H, W]) with probability p (`F.dropout3d`). */
export function dropout3d(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  return channelDropout(x, p, training, 3, 'dropout3d', generator);
}
