/** `torch.nn.Upsample`: a layer around `F.interpolate`. */
import { type InterpolateMode, interpolate } from '../ops/resample.js';
import type { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import { Module } from './module.js';
import { pyFloat, pyRepr } from './pool.js';

export interface UpsampleOptions {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
}

/** Resizes `[N, C, ...spatial]` by `size` or `scaleFactor` (`torch.nn.Upsample`). */
export class Upsample extends Module {
  readonly size: number | readonly number[] | null;
  readonly scaleFactor: number | readonly number[] | null;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | null;

  constructor({ size = null, scaleFactor = null, mode = 'nearest', alignCorners = null }: UpsampleOptions = {}) {
    super();
    if ((size === null) === (scaleFactor === null)) {
      throw new ValueError(`Upsample: give exactly one of size and scaleFactor, got ${size === null ? 'neither' : 'both'}`);
    }
    this.size = size;
    this.scaleFactor = scaleFactor;
    this.mode = mode;
    this.alignCorners = alignCorners;
  }

  forward(x: Tensor): Tensor {
    return interpolate(x, {
      size: this.size ?? undefined,
      scaleFactor: this.scaleFactor ?? undefined,
      mode: this.mode,
      alignCorners: this.alignCorners ?? undefined,
    });
  }

  override extraRepr(): string {
    const sf = this.scaleFactor;
    const info =
      sf !== null
        ? `scale_factor=${typeof sf === 'number' ? pyFloat(sf) : `(${sf.map(pyFloat).join(', ')})`}`
        : `size=${pyRepr(this.size)}`;
    return `${info}, mode=${this.mode}`;
  }
}
