/**
 * Resampling with autograd: `interpolate` (nearest, linear, bilinear, trilinear) after
 * `F.interpolate`, with PyTorch's source-index formulas, including the use of 1/scaleFactor (not
 * in/out) when a scale factor is given.
 */
import { record } from '../autograd/record.js';
import { type AxisTable, interpAxisTable, interpBackward, interpForward } from '../backend/resample.js';
import { Tensor, assertFloat } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { shapeStr } from '../util/shape.js';

export type InterpolateMode = 'nearest' | 'linear' | 'bilinear' | 'trilinear';

export interface InterpolateOptions {
  /** Output spatial size (one int for all dims, or one per dim). Exactly one of size / scaleFactor. */
  size?: number | readonly number[];
  /** Multiplier of the spatial size (output = floor(in * scale)). */
  scaleFactor?: number | readonly number[];
  mode?: InterpolateMode;
  /** Linear modes only; default false. */
  alignCorners?: boolean;
  /** Compute the kernel's scale from the sizes instead of the given scale factor (default false). */
  recomputeScaleFactor?: boolean;
}

const LINEAR_RANK: Record<string, number> = { linear: 3, bilinear: 4, trilinear: 5 };

function perDim(op: string, name: string, v: number | readonly number[], dims: number): number[] {
  const arr = typeof v === 'number' ? new Array<number>(dims).fill(v) : [...v];
  if (arr.length !== dims) {
    throw new ValueError(`${op}: ${name} must be a number or ${dims} numbers for a ${dims}-D spatial input, got [${arr.join(', ')}]`);
  }
  return arr;
}

/**
 * Resizes `[N, C, W]`, `[N, C, H, W]` or `[N, C, D, H, W]` (as `F.interpolate`): 'nearest' for any of
 * them, 'linear' / 'bilinear' / 'trilinear' for rank 3 / 4 / 5.
 */
export function interpolate(x: Tensor, opts: InterpolateOptions): Tensor {
  const op = 'interpolate';
  assertFloat(x, op, 'input');
  const mode = opts.mode ?? 'nearest';
  if (mode !== 'nearest' && !(mode in LINEAR_RANK)) {
    throw new ValueError(`${op}: mode must be 'nearest', 'linear', 'bilinear' or 'trilinear', got '${String(mode)}'`);
  }
  if (x.ndim < 3 || x.ndim > 5) {
    throw new ShapeError(`${op}: input must be rank 3, 4 or 5 [N, C, ...spatial], got rank ${x.ndim} (shape ${shapeStr(x.shape)})`);
  }
  if (mode !== 'nearest' && x.ndim !== LINEAR_RANK[mode]) {
    throw new ShapeError(`${op}: mode '${mode}' needs a rank-${LINEAR_RANK[mode]} input, got rank ${x.ndim} (shape ${shapeStr(x.shape)})`);
  }
  if (mode === 'nearest' && opts.alignCorners !== undefined) {
    throw new ValueError(`${op}: alignCorners can only be set with the linear modes (linear, bilinear, trilinear), got mode 'nearest'`);
  }
  const hasSize = opts.size !== undefined && opts.size !== null;
  const hasScale = opts.scaleFactor !== undefined && opts.scaleFactor !== null;
  if (hasSize === hasScale) {
    throw new ValueError(`${op}: give exactly one of size and scaleFactor, got ${hasSize ? 'both' : 'neither'}`);
  }
  const dims = x.ndim - 2;
  const inSp = x.shape.slice(2);
  let outSp: number[];
  let scales: (number | undefined)[] = new Array<undefined>(dims).fill(undefined);
  if (hasSize) {
    outSp = perDim(op, 'size', opts.size!, dims);
  } else {
    const sf = perDim(op, 'scaleFactor', opts.scaleFactor!, dims);
    if (sf.some((v) => !(v > 0) || !Number.isFinite(v))) throw new ValueError(`${op}: scaleFactor must be positive, got [${sf.join(', ')}]`);
    outSp = inSp.map((n, i) => Math.floor(n * sf[i]));
    if (!opts.recomputeScaleFactor) scales = sf;
  }
  if (outSp.some((v) => !Number.isInteger(v) || v < 1) || inSp.some((v) => v < 1)) {
    throw new ShapeError(`${op}: input and output spatial sizes must be positive integers, got input ${shapeStr(inSp)}, output ${shapeStr(outSp)}`);
  }
  const axisMode = mode === 'nearest' ? 'nearest' : 'linear';
  const align = opts.alignCorners ?? false;
  const unit = interpAxisTable(1, 1, 'nearest', false);
  const tabs: AxisTable[] = inSp.map((n, i) => interpAxisTable(n, outSp[i], axisMode, align, scales[i]));
  while (tabs.length < 3) tabs.unshift(unit);
  const in3 = [...new Array<number>(3 - dims).fill(1), ...inSp];
  const out3 = [...new Array<number>(3 - dims).fill(1), ...outSp];
  const nc = x.shape[0] * x.shape[1];
  const geom = [nc, in3[0], in3[1], in3[2], out3[0], out3[1], out3[2]] as const;
  const tables = [tabs[0], tabs[1], tabs[2]] as const;
  const y = new Tensor(interpForward(x.data, geom, tables), [x.shape[0], x.shape[1], ...outSp], 'float32');
  const inShape = x.shape;
  const name = mode === 'nearest' ? `UpsampleNearest${dims}d` : `Upsample${mode[0].toUpperCase()}${mode.slice(1)}`;
  return record(y, name, [x], (g) => [new Tensor(interpBackward(g.data, geom, tables), inShape, 'float32')]);
}
