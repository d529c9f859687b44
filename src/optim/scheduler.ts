import { ValueError } from '../util/errors.js';
import type { Optimizer } from './optimizer.js';

/**
 * Base of the epoch-indexed learning-rate schedulers, after `torch.optim.lr_scheduler._LRScheduler`:
 * construction records each group's `initialLr` (kept if already set, so stacked or resumed schedulers
 * share a base) and applies epoch 0; `step()` advances one epoch and writes the closed-form lr of that
 * epoch into every group.
 */
export abstract class LRScheduler {
  readonly baseLrs: number[];
  /** The epoch whose lr is currently applied (0 after construction). */
  lastEpoch = 0;
  private lastLr: number[] = [];

  protected constructor(readonly optimizer: Optimizer) {
    for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.options.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
  }

  /** The lr of every group at `epoch`, from the base lrs. */
  protected abstract lrAt(epoch: number): number[];

  /** Applies the current epoch's lr (subclasses call it at the end of their constructor). */
  protected apply(): void {
    this.lastLr = this.lrAt(this.lastEpoch);
    this.optimizer.paramGroups.forEach((g, i) => (g.options.lr = this.lastLr[i]));
  }

  /** Advances one epoch (call after `optimizer.step()`). */
  step(): void {
    this.lastEpoch++;
    this.apply();
  }

  /** The lrs last applied, one per param group (PyTorch's `get_last_lr()`). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): { lastEpoch: number; baseLrs: number[] } {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  /** Restores the epoch counter and base lrs, and re-applies that epoch's lr. */
  loadStateDict(sd: { lastEpoch: number; baseLrs?: number[] }): void {
    if (!Number.isInteger(sd.lastEpoch) || sd.lastEpoch < 0) {
      throw new ValueError(`${this.constructor.name}.loadStateDict: lastEpoch must be an integer >= 0, got ${sd.lastEpoch}`);
    }
    if (sd.baseLrs) {
      if (sd.baseLrs.length !== this.baseLrs.length) {
        throw new ValueError(
          `${this.constructor.name}.loadStateDict: ${sd.baseLrs.length} base lrs for ${this.baseLrs.length} param groups`,
        );
      }
      this.baseLrs.splice(0, this.baseLrs.length, ...sd.baseLrs);
    }
    this.lastEpoch = sd.lastEpoch;
    this.apply();
  }
}

function checkGamma(gamma: number, name: string): void {
  if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0) {
    throw new ValueError(`${name}: gamma must be a finite number >= 0, got ${String(gamma)}`);
  }
}

/** `lr = base · gamma^floor(epoch / stepSize)`, as `torch.optim.lr_scheduler.StepLR`. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: Optimizer, { stepSize, gamma = 0.1 }: { stepSize: number; gamma?: number }) {
    super(optimizer);
    if (!Number.isInteger(stepSize) || stepSize < 1) {
      throw new ValueError(`StepLR: stepSize must be a positive integer, got ${String(stepSize)}`);
    }
    checkGamma(gamma, 'StepLR');
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.apply();
  }

  protected lrAt(epoch: number): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(epoch / this.stepSize));
  }
}

/**
 * `lr = base · gamma^(number of milestones ≤ epoch)`, as `torch.optim.lr_scheduler.MultiStepLR`
 * (a milestone listed twice counts twice, as in PyTorch's Counter).
 */
export class MultiStepLR extends LRScheduler {
  readonly milestones: readonly number[];
  readonly gamma: number;
  constructor(optimizer: Optimizer, { milestones, gamma = 0.1 }: { milestones: readonly number[]; gamma?: number }) {
    super(optimizer);
    if (!Array.isArray(milestones) || !milestones.every((m) => Number.isInteger(m) && m >= 0)) {
      throw new ValueError(`MultiStepLR: milestones must be non-negative integers, got ${JSON.stringify(milestones)}`);
    }
    checkGamma(gamma, 'MultiStepLR');
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = gamma;
    this.apply();
  }

  protected lrAt(epoch: number): number[] {
    const passed = this.milestones.filter((m) => m <= epoch).length;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}

/**
 * `lr = etaMin + (base − etaMin)·(1 + cos(π·epoch/tMax))/2`, the closed form of
 * `torch.optim.lr_scheduler.CosineAnnealingLR` (periodic past tMax, as PyTorch's recursion is).
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Optimizer, { tMax, etaMin = 0 }: { tMax: number; etaMin?: number }) {
    super(optimizer);
    if (!Number.isInteger(tMax) || tMax < 1) {
      throw new ValueError(`CosineAnnealingLR: tMax must be a positive integer, got ${String(tMax)}`);
    }
    if (typeof etaMin !== 'number' || !Number.isFinite(etaMin)) {
      throw new ValueError(`CosineAnnealingLR: etaMin must be a finite number, got ${String(etaMin)}`);
    }
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.apply();
  }

  protected lrAt(epoch: number): number[] {
    const c = (1 + Math.cos((Math.PI * epoch) / this.tMax)) / 2;
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * c);
  }
}
