import { DTypeError, ShapeError } from '../util/errors.js';
import { sameShape, shapeStr } from '../util/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Per-class overlap counts accumulated over a test set, so Dice and IoU are computed over all voxels
 * of all volumes (not averaged per volume).
 */
export class SegmentationMeter {
  readonly numClasses: number;
  private readonly tp: Float64Array;
  private readonly fp: Float64Array;
  private readonly fn: Float64Array;

  constructor(numClasses: number) {
    this.numClasses = numClasses;
    this.tp = new Float64Array(numClasses);
    this.fp = new Float64Array(numClasses);
    this.fn = new Float64Array(numClasses);
  }

  /** Adds predicted and true label maps of the same shape (int32 class indices). */
  update(pred: Tensor<'int32'>, target: Tensor<'int32'>): void {
    if (pred.dtype !== 'int32' || target.dtype !== 'int32') {
      throw new DTypeError(`SegmentationMeter.update: pred and target must be int32 label maps, got ${pred.dtype} and ${target.dtype}`);
    }
    if (!sameShape(pred.shape, target.shape)) {
      throw new ShapeError(`SegmentationMeter.update: pred ${shapeStr(pred.shape)} and target ${shapeStr(target.shape)} differ`);
    }
    const p = pred.data;
    const t = target.data;
    const C = this.numClasses;
    for (let i = 0; i < p.length; i++) {
      const a = p[i];
      const b = t[i];
      if (a < 0 || a >= C || b < 0 || b >= C) {
        throw new ShapeError(`SegmentationMeter.update: label ${a < 0 || a >= C ? a : b} outside [0, ${C})`);
      }
      if (a === b) this.tp[a]++;
      else {
        this.fp[a]++;
        this.fn[b]++;
      }
    }
  }

  /** Dice per class: 2TP / (2TP + FP + FN); NaN for a class absent from both. */
  dicePerClass(): number[] {
    return Array.from(this.tp, (tp, c) => {
      const d = 2 * tp + this.fp[c] + this.fn[c];
      return d === 0 ? NaN : (2 * tp) / d;
    });
  }

  /** IoU per class: TP / (TP + FP + FN). */
  iouPerClass(): number[] {
    return Array.from(this.tp, (tp, c) => {
      const d = tp + this.fp[c] + this.fn[c];
      return d === 0 ? NaN : tp / d;
    });
  }

  /** Mean Dice over the object classes (class 0, the background, excluded; absent classes skipped). */
  meanDice(): number {
    return meanSkippingNaN(this.dicePerClass().slice(1));
  }

  meanIoU(): number {
    return meanSkippingNaN(this.iouPerClass().slice(1));
  }
}

function meanSkippingNaN(v: number[]): number {
  const ok = v.filter((x) => !Number.isNaN(x));
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
}
