/**
 * One model benchmark case, run the same way on both sides, each in its own fresh process: our
 * engine in a Node child (this file with `--child`), PyTorch in bench/torch/models.py. The first
 * step measures memory (the peak RSS reset to the current RSS, RSS before it, peak RSS after it),
 * the rest are timed. Used by
 * bench/models.ts and bench/memory.ts.
 */
import { F, convert, models, nn, noGrad, optim, randint, randn, setNumThreads, type Tensor } from '../src/index.js';
import { type ChildResult, childArg, maxRssKB, resetPeakRss, rssKB, runNodeChild, runTorch, timeRepeats } from './util.js';

export interface ModelCase {
  model: 'resnet18' | 'unet' | 'cnn3d';
  /** How the 2D model becomes 3D (ignored by the natively 3D cnn3d). */
  conv: 'acs' | '3d' | '2.5d';
  mode: 'step' | 'eval';
  batch: number;
  size: number;
  inChannels: number;
  numClasses: number;
  optimizer: 'sgd' | 'adam';
  loss: 'ce' | 'dice';
  /** Untimed steps, the first of which is the memory measurement (≥ 1). */
  warmup: number;
  repeats: number;
  threads: number;
}

/** What each side's child prints (KB and seconds). */
export interface CaseResult {
  rssBeforeKB: number;
  maxRssBeforeKB: number;
  maxRssAfterKB: number;
  /** Whether the peak RSS was reset to the current RSS just before the step (Linux clear_refs). */
  peakReset: boolean;
  times: number[];
  median: number;
}

export interface CaseReport {
  ours: ChildResult<CaseResult>;
  torch: ChildResult<CaseResult>;
}

/**
 * The memory benchmark's small 3D CNN (mirrored by small_cnn3d in bench/torch/models.py):
 * [N, C, D, H, W] → [N, classes].
 */
export function smallCnn3d(inChannels: number, numClasses: number): nn.Module {
  return new nn.Sequential(
    new nn.Conv3d(inChannels, 16, 3, { padding: 1 }),
    new nn.BatchNorm3d(16),
    new nn.ReLU(),
    new nn.MaxPool3d(2),
    new nn.Conv3d(16, 32, 3, { padding: 1 }),
    new nn.BatchNorm3d(32),
    new nn.ReLU(),
    new nn.MaxPool3d(2),
    new nn.Conv3d(32, 64, 3, { padding: 1 }),
    new nn.BatchNorm3d(64),
    new nn.ReLU(),
    new nn.AdaptiveAvgPool3d(1),
    new nn.Flatten(),
    new nn.Linear(64, numClasses),
  );
}

export function build(c: ModelCase): nn.Module {
  if (c.model === 'cnn3d') return smallCnn3d(c.inChannels, c.numClasses);
  const opts = { numClasses: c.numClasses, inChannels: c.inChannels };
  const m2d: nn.Module = c.model === 'resnet18' ? models.resnet18(opts) : models.unet(opts);
  return c.conv === 'acs' ? convert.toACS(m2d) : c.conv === '3d' ? convert.to3d(m2d) : convert.to2_5d(m2d);
}

/** A training step (forward, loss, backward, optimizer step) or a no-grad eval forward, as a closure. */
export function makeStep(c: ModelCase, model: nn.Module): () => void {
  const x = randn([c.batch, c.inChannels, c.size, c.size, c.size]);
  const seg = c.model === 'unet';
  const y = randint(0, c.numClasses, seg ? [c.batch, c.size, c.size, c.size] : [c.batch]);
  if (c.mode === 'eval') {
    model.eval();
    return () => {
      noGrad(() => model.forward(x));
    };
  }
  model.train();
  const params = model.parameters();
  const opt = c.optimizer === 'adam' ? new optim.Adam(params, { lr: 1e-3 }) : new optim.SGD(params, { lr: 0.01, momentum: 0.9 });
  const loss = (out: Tensor): Tensor => (c.loss === 'dice' ? F.softDiceLoss(out, y) : F.crossEntropy(out, y));
  return () => {
    opt.zeroGrad();
    loss(model.forward(x)).backward();
    opt.step();
  };
}

/** Body of our child process: build, measure the first step's memory, time the rest. */
export function runOursInProcess(c: ModelCase): CaseResult {
  setNumThreads(c.threads);
  const step = makeStep(c, build(c));
  // The 2D model the converter cloned is garbage now; collect it so it cannot be freed mid-step.
  (globalThis as { gc?: () => void }).gc?.();
  const peakReset = resetPeakRss();
  const rssBeforeKB = rssKB();
  const maxRssBeforeKB = maxRssKB();
  step();
  const maxRssAfterKB = maxRssKB();
  const t = timeRepeats(step, { warmup: Math.max(0, c.warmup - 1), repeats: c.repeats });
  return { rssBeforeKB, maxRssBeforeKB, maxRssAfterKB, peakReset, ...t };
}

/** Runs the case on both sides, each in a fresh process: ours first, then PyTorch. */
export function measureCase(c: ModelCase): CaseReport {
  const ours = runNodeChild<CaseResult>(import.meta.url, c, { nodeArgs: ['--expose-gc'], threads: c.threads });
  const torch = runTorch<CaseResult>('models.py', c);
  return { ours, torch };
}

const arg = childArg<ModelCase>(import.meta.url);
if (arg) console.log(JSON.stringify(runOursInProcess(arg)));
