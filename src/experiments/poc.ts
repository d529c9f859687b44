/**
 * The ACS paper's proof-of-concept experiment: pretrain a 2D UNet on 2D shapes, then compare six ways
 * of segmenting 3D shapes (ACS / 3D-I3D / 2.5D from the 2D weights, ACS and 3D from scratch, and the 2D
 * model applied slice by slice). Everything is deterministic by seed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { noGrad } from '../autograd/grad-mode.js';
import { Generator, manualSeed } from '../tensor/random.js';
import { Tensor, type DType } from '../tensor/tensor.js';
import { sameShape } from '../util/shape.js';
import * as F from '../ops/index.js';
import type { Module } from '../nn/module.js';
import { Adam } from '../optim/adam.js';
import { SGD } from '../optim/sgd.js';
import { CosineAnnealingLR } from '../optim/scheduler.js';
import type { Optimizer } from '../optim/optimizer.js';
import * as convert from '../convert/index.js';
import { unet } from '../models/unet.js';
import type { ModelSpec } from '../models/spec.js';
import { synthetic2d } from '../data/synthetic-2d.js';
import { synthetic3d } from '../data/synthetic-3d.js';
import { axialSlices, TensorDataset } from '../data/dataset.js';
import { DataLoader } from '../data/loader.js';
import { SegmentationMeter } from '../train/metrics.js';
import { Progress } from '../train/progress.js';
import { loadCheckpoint, saveCheckpoint } from '../train/checkpoint.js';
import { writeNifti } from '../io/nifti.js';
import { type PocConfig, type PocMethod, validateConfig } from './poc-config.js';

export interface MethodResult {
  method: PocMethod;
  /** Test Dice / IoU after the last epoch (mean over object classes, background excluded). */
  dice: number;
  iou: number;
  /** Best test Dice over epochs (what the reference reports; selected on the test set, so optimistic). */
  bestDice: number;
  bestEpoch: number;
  dicePerEpoch: number[];
  trainSeconds: number;
  params: number;
}

export interface PocRun {
  seed: number;
  pretrain2dDice: number;
  rows: MethodResult[];
  /** Label maps of test volume 0, for the figure: truth and one per method. */
  figure: { image: Tensor; truth: Tensor<'int32'>; predictions: Array<{ name: string; label: Tensor<'int32'> }> };
}

export interface PocOptions {
  /** Directory for per-epoch checkpoints (enables --resume); none when omitted. */
  checkpointDir?: string;
  resume?: boolean;
  quiet?: boolean;
  log?: (line: string) => void;
}

const NUM_CLASSES_2D = 3;
const NUM_CLASSES_3D = 6;

type Batch = { image: Tensor; label: Tensor<'int32'> };

function trainEpoch(model: Module, opt: Optimizer, loader: Iterable<Batch>, progress: Progress, note = ''): number {
  model.train();
  let total = 0;
  let n = 0;
  for (const { image, label } of loader) {
    opt.zeroGrad();
    const loss = F.softDiceLoss(model.forward(image), label);
    loss.backward();
    opt.step();
    total += loss.item();
    n++;
    progress.tick(1, `loss ${(total / n).toFixed(3)}${note}`);
  }
  return total / Math.max(1, n);
}

/** Predicted label maps for `images` [N, C, ...], run `batch` at a time in eval mode. */
export function predictLabels(model: Module, images: Tensor, batch: number): Tensor<'int32'> {
  model.eval();
  const [N] = images.shape;
  const per = images.size / N;
  const spatial = images.shape.slice(2);
  const vox = spatial.reduce((a, b) => a * b, 1);
  const out = new Int32Array(N * vox);
  noGrad(() => {
    for (let s = 0; s < N; s += batch) {
      const e = Math.min(N, s + batch);
      const x = new Tensor(images.data.subarray(s * per, e * per), [e - s, ...images.shape.slice(1)], 'float32');
      const pred = F.argmax(model.forward(x), 1);
      out.set(pred.data, s * vox);
    }
  });
  return new Tensor(out, [N, ...spatial], 'int32');
}

function evaluate(model: Module, images: Tensor, labels: Tensor<'int32'>, numClasses: number, batch: number, slices: boolean): { dice: number; iou: number; pred: Tensor<'int32'> } {
  let pred: Tensor<'int32'>;
  if (slices) {
    // The 2D model sees axial slices; stack its per-slice predictions back into volumes.
    const s = axialSlices(images, labels);
    const p2 = predictLabels(model, s.image, batch);
    pred = new Tensor(p2.data, labels.shape, 'int32');
  } else {
    pred = predictLabels(model, images, batch);
  }
  const meter = new SegmentationMeter(numClasses);
  meter.update(pred, labels);
  return { dice: meter.meanDice(), iou: meter.meanIoU(), pred };
}

/** Loads every 2D weight whose shape fits (all but the class-specific head) into `model`. */
export function loadPretrainedExceptHead(model: Module, pretrained: Map<string, Tensor<DType>>): string[] {
  const own = model.stateDict();
  const skipped: string[] = [];
  const take = new Map<string, Tensor<DType>>();
  for (const [k, v] of pretrained) {
    const mine = own.get(k);
    if (mine && sameShape(mine.shape, v.shape)) take.set(k, v);
    else skipped.push(k);
  }
  model.loadStateDict(take, { strict: false });
  return skipped;
}

function buildModel(method: PocMethod, width: number, pretrained: Map<string, Tensor<DType>>): Module {
  const fresh = unet({ numClasses: NUM_CLASSES_3D, inChannels: 1, width });
  const usesPretrained = method.endsWith('pretrained') || method === '2d-slices';
  if (usesPretrained) {
    const skipped = loadPretrainedExceptHead(fresh, pretrained);
    // Only the class-specific 1×1 head may differ; anything else means the 2D and 3D UNets disagree.
    if (skipped.some((k) => !k.startsWith('final.'))) throw new Error(`poc: pretrained weights did not fit: ${skipped.join(', ')}`);
  }
  switch (method) {
    case 'acs-pretrained':
    case 'acs-scratch':
      return convert.toACS(fresh);
    case '3d-scratch':
      return convert.to3d(fresh);
    case '3d-i3d-pretrained':
      return convert.to3d(fresh, { i3dRepeatAxis: 2 });
    case '2.5d-pretrained':
      return convert.to2_5d(fresh, { axis: 2 });
    case '2d-slices':
      return fresh;
  }
}

/** The spec of a method's 3D model, saved with its checkpoints so `acs infer` can rebuild it (null: 2D). */
function specFor(method: PocMethod, c: PocConfig): ModelSpec | null {
  const base = { name: 'unet' as const, numClasses: NUM_CLASSES_3D, inChannels: 1, width: c.width, trainSize: [c.size3d, c.size3d, c.size3d] as [number, number, number] };
  if (method.startsWith('acs')) return { ...base, convert: 'acs' };
  if (method.startsWith('3d')) return { ...base, convert: '3d' };
  if (method === '2.5d-pretrained') return { ...base, convert: '2.5d', axis: 2 };
  return null;
}

/** Runs the whole experiment for one seed. */
export function runPoc(config: PocConfig, opts: PocOptions = {}): PocRun {
  validateConfig(config);
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const ckpt = (name: string): string | null => (opts.checkpointDir ? join(opts.checkpointDir, `seed${config.seed}-${name}.safetensors`) : null);
  if (opts.checkpointDir) mkdirSync(opts.checkpointDir, { recursive: true });
  const c = config;
  manualSeed(c.seed);

  // --- 2D pretraining --------------------------------------------------------------------------
  const train2d = synthetic2d({ n: c.n2dTrain, size: c.size2d, seed: c.seed * 1000 + 1 });
  const test2d = synthetic2d({ n: c.n2dTest, size: c.size2d, seed: c.seed * 1000 + 2 });
  const net2d = unet({ numClasses: NUM_CLASSES_2D, inChannels: 1, width: c.width });
  const opt2d = new SGD(net2d.parameters(), { lr: c.lr2d, momentum: 0.9 });
  let startEpoch2d = 0;
  const ck2d = ckpt('pretrain-2d');
  if (ck2d && opts.resume && existsSync(ck2d)) {
    startEpoch2d = Number(loadCheckpoint(ck2d, net2d, opt2d).epoch ?? 0);
    log(`resumed 2D pretraining after epoch ${startEpoch2d}`);
  }
  const loader2d = new DataLoader(new TensorDataset(train2d.image, train2d.label), {
    batchSize: c.batch2d,
    shuffle: true,
    generator: new Generator(c.seed * 1000 + 3),
  });
  // Cosine decay to 0 over the run (the reference keeps lr constant): the last epoch is then a stable
  // point to compare methods at, instead of wherever a constant-lr run happens to oscillate to.
  const sched2d = c.cosine ? new CosineAnnealingLR(opt2d, { tMax: c.epochs2d }) : null;
  for (let e = 0; e < startEpoch2d; e++) {
    for (const _ of loader2d) void _; // keep the shuffle order of an uninterrupted run
    sched2d?.step();
  }
  const p2 = new Progress(`2D pretraining (${c.epochs2d} epochs)`, (c.epochs2d - startEpoch2d) * loader2d.length, process.stderr, opts.quiet);
  for (let e = startEpoch2d; e < c.epochs2d; e++) {
    trainEpoch(net2d, opt2d, loader2d, p2);
    sched2d?.step();
    if (ck2d) saveCheckpoint(ck2d, net2d, opt2d, { epoch: e + 1 });
  }
  const pre = evaluate(net2d, test2d.image, test2d.label, NUM_CLASSES_2D, 64, false);
  log(`2D pretraining: test Dice ${pre.dice.toFixed(3)}`);
  const pretrained = net2d.stateDict();

  // --- 3D methods ------------------------------------------------------------------------------
  const train3d = synthetic3d({ n: c.n3dTrain, size: c.size3d, seed: c.seed * 1000 + 4 });
  const test3d = synthetic3d({ n: c.n3dTest, size: c.size3d, seed: c.seed * 1000 + 5 });
  if (opts.checkpointDir) {
    // The first test volume and its truth as NIfTI, beside the checkpoints: something to run `acs infer` on.
    const S = c.size3d;
    const V = S * S * S;
    writeNifti(join(opts.checkpointDir, `seed${c.seed}-sample-image.nii.gz`), new Tensor(test3d.image.data.slice(0, V), [S, S, S], 'float32'));
    writeNifti(join(opts.checkpointDir, `seed${c.seed}-sample-labels.nii.gz`), new Tensor(test3d.label.data.slice(0, V), [S, S, S], 'int32'), {
      datatype: 'uint8',
    });
  }
  const slicesTrain = axialSlices(train3d.image, train3d.label);
  const rows: MethodResult[] = [];
  const predictions: PocRun['figure']['predictions'] = [];
  const volume0 = (t: Tensor<'int32'>): Tensor<'int32'> => {
    const per = t.size / t.shape[0];
    return new Tensor(t.data.slice(0, per), t.shape.slice(1), 'int32');
  };
  for (const method of c.methods) {
    manualSeed(c.seed * 1000 + 10 + c.methods.indexOf(method));
    const slices = method === '2d-slices';
    const model = buildModel(method, c.width, pretrained);
    const opt = new Adam(model.parameters(), { lr: c.lr3d });
    const ds = slices ? slicesTrain : { image: train3d.image, label: train3d.label };
    // The slice model sees size3d slices per volume: a batch of batch3d volumes' worth keeps steps comparable.
    const batch = slices ? c.batch3d * c.size3d : c.batch3d;
    const loader = new DataLoader(new TensorDataset(ds.image, ds.label), { batchSize: batch, shuffle: true, generator: new Generator(c.seed * 1000 + 6) });
    let start = 0;
    let trainSeconds = 0;
    const dicePerEpoch: number[] = [];
    const ck = ckpt(method);
    if (ck && opts.resume && existsSync(ck)) {
      const info = loadCheckpoint(ck, model, opt);
      start = Number(info.epoch ?? 0);
      trainSeconds = Number(info.trainSeconds ?? 0);
      dicePerEpoch.push(...((info.dicePerEpoch as number[] | undefined) ?? []));
      log(`resumed ${method} after epoch ${start}`);
    }
    const sched = c.cosine ? new CosineAnnealingLR(opt, { tMax: c.epochs3d }) : null;
    for (let e = 0; e < start; e++) {
      for (const _ of loader) void _;
      sched?.step();
    }
    const progress = new Progress(`${method} (${c.epochs3d} epochs)`, (c.epochs3d - start) * loader.length, process.stderr, opts.quiet);
    let last = { dice: NaN, iou: NaN, pred: null as Tensor<'int32'> | null };
    for (let e = start; e < c.epochs3d; e++) {
      const t0 = performance.now();
      const note = dicePerEpoch.length ? `, test Dice ${dicePerEpoch[dicePerEpoch.length - 1].toFixed(3)}` : '';
      trainEpoch(model, opt, loader, progress, note);
      sched?.step();
      trainSeconds += (performance.now() - t0) / 1000;
      last = evaluate(model, test3d.image, test3d.label, NUM_CLASSES_3D, slices ? 64 : 2, slices);
      dicePerEpoch.push(last.dice);
      if (ck) saveCheckpoint(ck, model, opt, { epoch: e + 1, trainSeconds, dicePerEpoch, model: specFor(method, c) });
    }
    if (!last.pred) last = evaluate(model, test3d.image, test3d.label, NUM_CLASSES_3D, slices ? 64 : 2, slices);
    const best = dicePerEpoch.reduce((b, d, i) => (d > dicePerEpoch[b] ? i : b), 0);
    rows.push({
      method,
      dice: last.dice,
      iou: last.iou,
      bestDice: dicePerEpoch[best] ?? last.dice,
      bestEpoch: best + 1,
      dicePerEpoch,
      trainSeconds,
      params: convert.countParameters(model),
    });
    predictions.push({ name: method, label: volume0(last.pred!) });
    log(`${method}: test Dice ${last.dice.toFixed(3)}, IoU ${last.iou.toFixed(3)}, ${trainSeconds.toFixed(0)} s`);
  }
  const per = test3d.image.size / test3d.image.shape[0];
  return {
    seed: c.seed,
    pretrain2dDice: pre.dice,
    rows,
    figure: {
      image: new Tensor(test3d.image.data.slice(0, per), test3d.image.shape.slice(2), 'float32'),
      truth: volume0(test3d.label),
      predictions,
    },
  };
}
