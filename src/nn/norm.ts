/**
 * Normalisation layers after torch.nn: BatchNorm1d/2d/3d, InstanceNorm2d/3d, GroupNorm, with
 * PyTorch's state-dict names (weight, bias, running_mean, running_var, num_batches_tracked).
 */
import { batchNorm, groupNorm, instanceNorm } from '../ops/norm.js';
import { Tensor } from '../tensor/tensor.js';
import { ones, zeros } from '../tensor/creation.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { shapeStr } from '../util/shape.js';
import { Module, Parameter } from './module.js';
import { pyFloat, pyRepr } from './pool.js';

export interface BatchNormOptions {
  eps?: number;
  /** null: cumulative moving average (factor 1 / numBatchesTracked), as PyTorch's momentum=None. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class NormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  /** int32 scalar, as PyTorch's int64 `num_batches_tracked`. */
  readonly numBatchesTracked: Tensor<'int32'> | null;

  constructor(numFeatures: number, opts: BatchNormOptions, defaults: { affine: boolean; track: boolean }) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new ValueError(`${new.target.name}: numFeatures must be a positive integer, got ${numFeatures}`);
    }
    this.numFeatures = numFeatures;
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? defaults.affine;
    this.trackRunningStats = opts.trackRunningStats ?? defaults.track;
    this.weight = this.registerParameter('weight', this.affine ? Parameter.from(ones([numFeatures])) : null);
    this.bias = this.registerParameter('bias', this.affine ? Parameter.from(zeros([numFeatures])) : null);
    const track = this.trackRunningStats;
    this.runningMean = this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null);
    this.runningVar = this.registerBuffer('running_var', track ? ones([numFeatures]) : null);
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', track ? new Tensor(new Int32Array(1), [], 'int32') : null);
  }

  /** Zeroes the running statistics (`reset_running_stats`). */
  resetRunningStats(): void {
    this.runningMean?.data.fill(0);
    this.runningVar?.data.fill(1);
    this.numBatchesTracked?.data.fill(0);
  }

  protected checkRank(x: Tensor, ranks: readonly number[], what: string): void {
    if (!ranks.includes(x.ndim)) {
      throw new ShapeError(`${this.constructor.name}: expected ${what} input, got rank ${x.ndim} (shape ${shapeStr(x.shape)})`);
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${this.constructor.name}: expected ${this.numFeatures} channels (dim 1), got shape ${shapeStr(x.shape)}`);
    }
  }

  override extraRepr(): string {
    const m = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${pyRepr(this.affine)}, track_running_stats=${pyRepr(this.trackRunningStats)}`;
  }
}

/** The batch norms of every rank (exported for nn.Sequential's BatchNorm → ReLU fusion). */
export abstract class BatchNormNd extends NormBase {
  protected abstract readonly ranks: readonly number[];
  protected abstract readonly what: string;

  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, { affine: true, track: true });
  }

  forward(x: Tensor): Tensor {
    return this.normalise(x, false);
  }

  /**
   * `relu(this.forward(x))` in one pass, with the same values, gradients and running-stat updates and
   * no intermediate tensor: what nn.Sequential runs for a BatchNorm followed by a ReLU.
   */
  forwardReLU(x: Tensor): Tensor {
    return this.normalise(x, true);
  }

  private normalise(x: Tensor, relu: boolean): Tensor {
    this.checkRank(x, this.ranks, this.what);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked) {
      this.numBatchesTracked.data[0] += 1;
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.data[0];
    }
    // As PyTorch: batch statistics in training, and in eval too when no running stats are kept.
    const useBatch = this.training || (this.runningMean === null && this.runningVar === null);
    const keep = !this.training || this.trackRunningStats;
    return batchNorm(x, keep ? this.runningMean : null, keep ? this.runningVar : null, this.weight, this.bias, {
      training: useBatch,
      momentum: factor,
      eps: this.eps,
      relu,
    });
  }
}

/** Batch norm over `[N, C]` or `[N, C, L]` (`torch.nn.BatchNorm1d`). */
export class BatchNorm1d extends BatchNormNd {
  protected readonly ranks = [2, 3];
  protected readonly what = '2D or 3D [N, C(, L)]';
}

/** Batch norm over `[N, C, H, W]` (`torch.nn.BatchNorm2d`). */
export class BatchNorm2d extends BatchNormNd {
  protected readonly ranks = [4];
  protected readonly what = '4D [N, C, H, W]';
}

/** Batch norm over `[N, C, D, H, W]` (`torch.nn.BatchNorm3d`). */
export class BatchNorm3d extends BatchNormNd {
  protected readonly ranks = [5];
  protected readonly what = '5D [N, C, D, H, W]';
}

abstract class InstanceNormNd extends NormBase {
  protected abstract readonly rank: number;
  protected abstract readonly what: string;

  /** Defaults as PyTorch: affine false, trackRunningStats false. */
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super(numFeatures, opts, { affine: false, track: false });
  }

  forward(x: Tensor): Tensor {
    this.checkRank(x, [this.rank], this.what);
    return instanceNorm(x, {
      weight: this.weight,
      bias: this.bias,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      useInputStats: this.training || !this.trackRunningStats,
      momentum: this.momentum ?? 0.1,
      eps: this.eps,
    });
  }
}

/** Instance norm over `[N, C, H, W]` (`torch.nn.InstanceNorm2d`; batched input only). */
export class InstanceNorm2d extends InstanceNormNd {
  protected readonly rank = 4;
  protected readonly what = '4D [N, C, H, W]';
}

/** Instance norm over `[N, C, D, H, W]` (`torch.nn.InstanceNorm3d`; batched input only). */
export class InstanceNorm3d extends InstanceNormNd {
  protected readonly rank = 5;
  protected readonly what = '5D [N, C, D, H, W]';
}

export interface GroupNormOptions {
  eps?: number;
  affine?: boolean;
}

/** Group norm over `[N, C, *]` with per-channel affine (`torch.nn.GroupNorm`). */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, { eps = 1e-5, affine = true }: GroupNormOptions = {}) {
    super();
    if (!Number.isInteger(numGroups) || numGroups < 1 || !Number.isInteger(numChannels) || numChannels < 1) {
      throw new ValueError(`GroupNorm: numGroups and numChannels must be positive integers, got ${numGroups}, ${numChannels}`);
    }
    if (numChannels % numGroups !== 0) {
      throw new ValueError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    }
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = eps;
    this.affine = affine;
    this.weight = this.registerParameter('weight', affine ? Parameter.from(ones([numChannels])) : null);
    this.bias = this.registerParameter('bias', affine ? Parameter.from(zeros([numChannels])) : null);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new ShapeError(`GroupNorm: expected input [N, ${this.numChannels}, *], got shape ${shapeStr(x.shape)}`);
    }
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${pyRepr(this.affine)}`;
  }
}
