/**
 * Memory over a long training loop (issue 2): 200 SGD-momentum steps of a small 3D CNN (Conv3d,
 * BatchNorm3d, ReLU, MaxPool3d, AdaptiveAvgPool3d, Linear; batch 4, 1×32³, 3 classes) in a fresh
 * Node process with default flags, RSS sampled every 10 steps; the resident set after warm-up
 * (step 20) must stay flat (growth ≤ 10 %, judged on the median RSS of the first and last quarters). Also the peak memory of one training step of the same
 * model against PyTorch's (≤ 1.5×), each side in its own fresh process.
 * Standalone: `node dist/bench/memory.js`; `BENCH_STEPS=n` changes the loop length.
 */
import { randint, randn, F, optim, setNumThreads } from '../src/index.js';
import { type ModelCase, measureCase, smallCnn3d } from './model-case.js';
import { childArg, envInt, isMain, mb, median, ms, ratio, rssKB, runNodeChild } from './util.js';

const THREADS = 2;

interface LoopArg {
  steps: number;
  every: number;
  batch: number;
  size: number;
  threads: number;
}

interface Sample {
  step: number;
  rssKB: number;
  heapUsedKB: number;
  externalKB: number;
  arrayBuffersKB: number;
}

interface LoopResult {
  samples: Sample[];
  stepSeconds: number;
}

const CNN: Omit<ModelCase, 'mode' | 'warmup' | 'repeats'> = {
  model: 'cnn3d',
  conv: '3d',
  batch: 4,
  size: 32,
  inChannels: 1,
  numClasses: 3,
  optimizer: 'sgd',
  loss: 'ce',
  threads: THREADS,
};

/** Child body: the training loop with RSS and V8 heap samples every `every` steps (step 0 = before). */
function trainLoop(a: LoopArg): LoopResult {
  setNumThreads(a.threads);
  const model = smallCnn3d(CNN.inChannels, CNN.numClasses);
  model.train();
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = randn([a.batch, CNN.inChannels, a.size, a.size, a.size]);
  const y = randint(0, CNN.numClasses, [a.batch]);
  const sample = (step: number): Sample => {
    const m = process.memoryUsage();
    const kb = (v: number): number => Math.round(v / 1024);
    return { step, rssKB: rssKB(), heapUsedKB: kb(m.heapUsed), externalKB: kb(m.external), arrayBuffersKB: kb(m.arrayBuffers) };
  };
  const samples = [sample(0)];
  const t0 = performance.now();
  for (let s = 1; s <= a.steps; s++) {
    opt.zeroGrad();
    F.crossEntropy(model.forward(x), y).backward();
    opt.step();
    if (s % a.every === 0) samples.push(sample(s));
  }
  return { samples, stepSeconds: (performance.now() - t0) / 1000 / a.steps };
}

/** Runs the memory benchmark (about a minute) and returns a markdown section. */
export async function runMemoryBench(): Promise<string> {
  const steps = envInt('BENCH_STEPS', 200);
  const loopArg: LoopArg = { steps, every: 10, batch: CNN.batch, size: CNN.size, threads: THREADS };
  const loop = runNodeChild<LoopResult>(import.meta.url, loopArg, { threads: THREADS });
  await Promise.resolve();
  const peak = measureCase({ ...CNN, mode: 'step', warmup: 2, repeats: 5 });
  const out: string[] = [
    `Memory: small 3D CNN (3 conv blocks 16/32/64, BN, ReLU, max-pool, global pool, linear), batch ${CNN.batch}×1×${CNN.size}³, ` +
      `SGD momentum, ${THREADS} threads, ${steps} steps in a fresh Node process with default flags.`,
    '',
  ];
  const samples = loop.value?.samples ?? [];
  if (loop.value && samples.length > 2) {
    const at = (s: number): Sample => samples.reduce((best, x) => (Math.abs(x.step - s) < Math.abs(best.step - s) ? x : best));
    const warm = at(20);
    const end = samples[samples.length - 1];
    // RSS saw-tooths with V8's collection of tensor buffers (±15 % here), so a single reading can
    // mislead: the verdict compares the median RSS of the first quarter after warm-up with the last quarter's.
    const q = (end.step - warm.step) / 4;
    const medianIn = (lo: number, hi: number): number => median(samples.filter((x) => x.step >= lo && x.step <= hi).map((x) => x.rssKB));
    const early = medianIn(warm.step, warm.step + q);
    const late = medianIn(end.step - q, end.step);
    const growth = (end.rssKB - warm.rssKB) / warm.rssKB;
    const windowed = (late - early) / early;
    const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;
    out.push(
      `| RSS before | RSS at step ${warm.step} | RSS at step ${end.step} | growth | median steps ${warm.step}–${warm.step + q} | ` +
        `median steps ${end.step - q}–${end.step} | median growth | target (median growth) | ms / step |`,
      '|---:|---:|---:|---:|---:|---:|---:|---|---:|',
      `| ${mb(samples[0].rssKB)} MB | ${mb(warm.rssKB)} MB | ${mb(end.rssKB)} MB | ${pct(growth)} | ${mb(early)} MB | ` +
        `${mb(late)} MB | ${pct(windowed)} | ≤ 10 %: ${windowed <= 0.1 ? 'met' : 'NOT met'} | ${ms(loop.value.stepSeconds)} |`,
      '',
      'RSS / V8 heap used / external / array buffers (MB) every 10 steps: ' +
        samples.map((s) => `${s.step}: ${mb(s.rssKB)}/${mb(s.heapUsedKB)}/${mb(s.externalKB)}/${mb(s.arrayBuffersKB)}`).join(', '),
    );
  } else {
    out.push(`Training loop failed: ${loop.error ?? 'no samples'}`);
  }
  const o = peak.ours.value;
  const t = peak.torch.value;
  const inc = (v: typeof o): number | null => (v ? v.maxRssAfterKB - v.rssBeforeKB : null);
  const r = ratio(inc(o), inc(t));
  out.push(
    '',
    'Peak memory of one training step (first step in a fresh process; peak RSS reset to the current RSS just before it via /proc/self/clear_refs; Δ = peak during the step minus RSS before it; total = that peak):',
    '',
    '| | ours | PyTorch | ours / PyTorch | target |',
    '|---|---:|---:|---:|---|',
    `| peak Δ MB | ${mb(inc(o))} | ${mb(inc(t))} | ${r} | ≤ 1.5: ${r === 'n/a' ? 'n/a' : Number(r) <= 1.5 ? 'met' : 'NOT met'} |`,
    `| peak total MB | ${mb(o?.maxRssAfterKB)} | ${mb(t?.maxRssAfterKB)} | ${ratio(o?.maxRssAfterKB, t?.maxRssAfterKB)} | |`,
    `| step ms (median of 5) | ${ms(o?.median)} | ${ms(t?.median)} | ${ratio(o?.median, t?.median)} | |`,
  );
  for (const [side, res] of [['ours', peak.ours], ['PyTorch', peak.torch]] as const) if (res.error) out.push('', `${side} failed: ${res.error}`);
  return out.join('\n');
}

const arg = childArg<LoopArg>(import.meta.url);
if (arg) console.log(JSON.stringify(trainLoop(arg)));
else if (isMain(import.meta.url)) console.log(await runMemoryBench());
