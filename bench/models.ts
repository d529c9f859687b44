/**
 * Model-level speed and memory (issue 4), side by side with PyTorch running the reference
 * algorithm (bench/torch/models.py), 2 threads, each case in a fresh process on each side:
 * - ResNet-18 (torchvision structure, 2 classes) converted to ACS: training step (batch 4, 3×48³,
 *   SGD momentum, cross-entropy) and eval forward;
 * - the proof-of-concept UNet (6 classes, 1 input channel) converted to ACS, 3D and 2.5D: training
 *   step (batch 4, 1×48³, Adam, soft Dice).
 * Times are medians of a few steps after warm-up; memory is the first step's peak RSS minus the RSS
 * before it (the peak reset just before the step) and that peak's total. Standalone: `node dist/bench/models.js`. `BENCH_REPEATS=n` sets
 * the timed steps per case.
 */
import { type CaseReport, type ModelCase, measureCase } from './model-case.js';
import { envInt, isMain, mb, ms, ratio } from './util.js';

const THREADS = 2;

export const resnet = (mode: 'step' | 'eval'): ModelCase => ({
  model: 'resnet18',
  conv: 'acs',
  mode,
  batch: 4,
  size: 48,
  inChannels: 3,
  numClasses: 2,
  optimizer: 'sgd',
  loss: 'ce',
  warmup: 2,
  repeats: envInt('BENCH_REPEATS', 5),
  threads: THREADS,
});

export const unet = (conv: ModelCase['conv']): ModelCase => ({
  model: 'unet',
  conv,
  mode: 'step',
  batch: 4,
  size: 48,
  inChannels: 1,
  numClasses: 6,
  optimizer: 'adam',
  loss: 'dice',
  // The memory-measuring first step plus two: our heap reaches its high-water mark over the first three
  // steps (steps 2 and 3 still page-fault ≈ 113 MB each, later steps < 4 MB), which a median of five
  // steps would otherwise half include.
  warmup: 3,
  repeats: envInt('BENCH_REPEATS', 5),
  threads: THREADS,
});

interface Row {
  name: string;
  c: ModelCase;
  r: CaseReport;
}

const peakIncrease = (v: CaseReport['ours']['value']): number | null => (v ? v.maxRssAfterKB - v.rssBeforeKB : null);
const verdict = (x: number | null, target: number): string => (x == null || !Number.isFinite(x) ? 'n/a' : x <= target ? 'met' : 'NOT met');

/** Runs the model benchmarks (about 2–3 minutes on the 2-core machine) and returns a markdown section. */
export async function runModelsBench(): Promise<string> {
  const plan: [string, ModelCase][] = [
    ['ResNet-18 ACS, train step', resnet('step')],
    ['ResNet-18 ACS, eval forward', resnet('eval')],
    ['UNet ACS, train step', unet('acs')],
    ['UNet 3D, train step', unet('3d')],
    ['UNet 2.5D, train step', unet('2.5d')],
  ];
  const rows: Row[] = [];
  for (const [name, c] of plan) {
    rows.push({ name, c, r: measureCase(c) });
    await Promise.resolve();
  }
  const get = (name: string): Row => rows.find((r) => r.name === name)!;
  const med = (row: Row, side: 'ours' | 'torch'): number | null => row.r[side].value?.median ?? null;

  const out: string[] = [
    `Models, ${THREADS} threads, each case in a fresh process per side; ms = median of the timed steps after ` +
      'warm-up (ResNet: 2 warm-up + 5 timed, UNet: 3 + 5 unless BENCH_REPEATS); PyTorch 1.13 runs the reference ' +
      'ACS algorithm (three conv3d + cat) on the same architectures.',
    '',
    '| case | ours ms | PyTorch ms | ours / PyTorch | ours peak Δ MB | PyTorch peak Δ MB | Δ ratio | ours peak total MB | PyTorch peak total MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const o = row.r.ours.value;
    const t = row.r.torch.value;
    out.push(
      `| ${row.name} | ${ms(o?.median)} | ${ms(t?.median)} | ${ratio(o?.median, t?.median)} | ` +
        `${mb(peakIncrease(o))} | ${mb(peakIncrease(t))} | ${ratio(peakIncrease(o), peakIncrease(t))} | ` +
        `${mb(o?.maxRssAfterKB)} | ${mb(t?.maxRssAfterKB)} |`,
    );
  }
  const rsStep = get('ResNet-18 ACS, train step');
  const rsEval = get('ResNet-18 ACS, eval forward');
  const uAcs = get('UNet ACS, train step');
  const u3d = get('UNet 3D, train step');
  const num = (a: number | null, b: number | null): number | null => (a != null && b != null && b > 0 ? a / b : null);
  const targets: [string, number | null, number][] = [
    ['ResNet-18 ACS train step, ours / PyTorch', num(med(rsStep, 'ours'), med(rsStep, 'torch')), 1],
    ['ResNet-18 ACS eval forward, ours / PyTorch', num(med(rsEval, 'ours'), med(rsEval, 'torch')), 1],
    ['UNet ACS train step, ours / PyTorch ACS', num(med(uAcs, 'ours'), med(uAcs, 'torch')), 0.6],
    ['UNet train step, ours ACS / ours 3D', num(med(uAcs, 'ours'), med(u3d, 'ours')), 0.45],
    ['ResNet-18 ACS step peak memory increase, ours / PyTorch', num(peakIncrease(rsStep.r.ours.value), peakIncrease(rsStep.r.torch.value)), 1.5],
    ['UNet ACS step peak memory increase, ours / PyTorch', num(peakIncrease(uAcs.r.ours.value), peakIncrease(uAcs.r.torch.value)), 1.5],
  ];
  out.push('', '| target | measured | bound | |', '|---|---:|---:|---|');
  for (const [name, v, bound] of targets) out.push(`| ${name} | ${v == null ? 'n/a' : v.toFixed(2)} | ≤ ${bound} | ${verdict(v, bound)} |`);
  out.push(
    '',
    `For reference, PyTorch's own UNet ACS / 3D: ${ratio(med(uAcs, 'torch'), med(u3d, 'torch'))}. ` +
      'Peak Δ = peak RSS during the first training step minus RSS before it, same method on both sides: ' +
      'the peak is reset to the current RSS just before the step (/proc/self/clear_refs), then read after it ' +
      "(VmHWM from /proc/self/status on both sides; getrusage's maxRSS would include the peak of the benchmark " +
      'process each child was forked from). Totals are that peak, ' +
      "so they include each runtime's own footprint (Node ≈ 50 MB, torch import ≈ 250 MB) and the model. " +
      'Δ understates where a step reuses memory already resident before it (freed while the model was built, ' +
      'e.g. an eval forward): read it together with the totals.' +
      (rows.some((r) => r.r.ours.value?.peakReset === false || r.r.torch.value?.peakReset === false)
        ? ' The peak could NOT be reset here: a peak reached while building a model may hide the step’s.'
        : ''),
  );
  const failures = rows.flatMap((row) =>
    (['ours', 'torch'] as const).filter((s) => row.r[s].error).map((s) => `- ${row.name}, ${s}: ${row.r[s].error}`),
  );
  if (failures.length) out.push('', 'Failed runs:', ...failures);
  return out.join('\n');
}

if (isMain(import.meta.url)) console.log(await runModelsBench());
