/**
 * Where a training step spends its time: every native kernel call timed by name (and, with --detail, by
 * geometry), V8's garbage collections, and the rest (JavaScript, autograd, allocation). Two kinds of step:
 * - a model's, the same cases as bench/models.ts:
 *   `node dist/bench/profile.js [unet|resnet18] [acs|3d|2.5d] [--detail]`;
 * - one layer's forward+backward turn as bench/acs.ts times it (the input's and weight's gradients dropped
 *   first; `--keep-grad` keeps them, so each turn adds into the last one's):
 *   `node dist/bench/profile.js layer [acs|3d] [N,C,size] [--keep-grad]` (default 1,16,48).
 * BENCH_THREADS=n sets the thread count (default 2). Not part of `npm run bench`: a diagnostic, not a comparison.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { native } from '../src/backend/binding.js';
import { randn, setNumThreads } from '../src/index.js';
import { layerTurn } from './acs.js';
import { build, makeStep, type ModelCase } from './model-case.js';
import { resnet, unet } from './models.js';
import { envInt, isMain } from './util.js';

/** Per-step milliseconds and call counts of each native entry point, with the whole step's time. */
export function profileStep(
  c: ModelCase,
  { steps = 3, detail = false }: { steps?: number; detail?: boolean } = {},
): Profile {
  setNumThreads(c.threads);
  // As many untimed steps as bench/models.ts runs: the heap is still growing before that.
  return profile(makeStep(c, build(c)), { warmup: Math.max(1, c.warmup), steps, detail });
}

/** Per-step milliseconds of the whole step, of the native calls, and per native entry point (ms, calls). */
export interface Profile {
  stepMs: number;
  nativeMs: number;
  rows: [string, number, number][];
  steps: number;
  /** When the timed steps started and ended (performance.now()), to match V8's GC entries to them. */
  window: [number, number];
}

/** Times `step` `steps` times after `warmup` untimed runs, every native call on the way by name. */
export function profile(step: () => void, { warmup = 1, steps = 3, detail = false } = {}): Profile {
  const time = new Map<string, number>();
  const calls = new Map<string, number>();
  const key = (name: string, args: unknown[]): string => {
    if (!detail) return name;
    // ACS entries carry [N, Cin, D, H, W, Cout, ...] per part; conv entries [N, Cin, Cout, groups, D, ...].
    if (name.startsWith('acs') && Array.isArray(args[3])) {
      const g = args[3] as number[];
      return `${name} Cin${g[1]} Cout${g[5]} ${g[2]}×${g[3]}×${g[4]}`;
    }
    if (name.startsWith('conv') && Array.isArray(args[0])) {
      const g = args[0] as number[];
      return `${name} Cin${g[1]} Cout${g[2]} ${g[4]}×${g[5]}×${g[6]}`;
    }
    return name;
  };
  const table = native as unknown as Record<string, unknown>;
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  for (const [name, fn] of Object.entries(table)) {
    if (typeof fn !== 'function') continue;
    const f = fn as (...a: unknown[]) => unknown;
    originals.set(name, f);
    table[name] = (...args: unknown[]): unknown => {
      const t0 = performance.now();
      const r = f(...args);
      const k = key(name, args);
      time.set(k, (time.get(k) ?? 0) + performance.now() - t0);
      calls.set(k, (calls.get(k) ?? 0) + 1);
      return r;
    };
  }
  try {
    for (let i = 0; i < warmup; i++) step();
    time.clear();
    calls.clear();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    const t1 = performance.now();
    const rows = [...time.entries()]
      .map(([k, v]): [string, number, number] => [k, v / steps, (calls.get(k) ?? 0) / steps])
      .sort((a, b) => b[1] - a[1]);
    return { stepMs: (t1 - t0) / steps, nativeMs: rows.reduce((s, r) => s + r[1], 0), rows, steps, window: [t0, t1] };
  } finally {
    for (const [name, f] of originals) table[name] = f;
  }
}

/** Total duration (ms) of V8's collections within `window`, read once the observer has delivered them. */
async function gcMsWithin(entries: PerformanceEntry[], [t0, t1]: [number, number]): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return entries.filter((e) => e.startTime >= t0 && e.startTime < t1).reduce((s, e) => s + e.duration, 0);
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const [model = 'unet', conv = 'acs'] = args;
  const detail = process.argv.includes('--detail');
  const gcEntries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => gcEntries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  let r: Profile;
  let what: string;
  if (model === 'layer') {
    if (conv !== 'acs' && conv !== '3d') throw new Error(`layer conv must be acs or 3d, got ${conv}`);
    const shape = (args[2] ?? '1,16,48').split(',').map(Number);
    if (shape.length !== 3 || !shape.every((v) => Number.isInteger(v) && v > 0)) {
      throw new Error(`layer shape must be N,C,size (positive integers), got ${args[2]}`);
    }
    const keepGrad = process.argv.includes('--keep-grad');
    setNumThreads(envInt('BENCH_THREADS', 2));
    const [n, c, size] = shape;
    const x = randn([n, c, size, size, size]).requiresGrad_();
    const w = randn(conv === 'acs' ? [c, c, 3, 3] : [c, c, 3, 3, 3]).requiresGrad_();
    const gy = randn([n, c, size, size, size]);
    r = profile(layerTurn(conv, x, w, gy, { padding: 1 }, keepGrad), { warmup: 5, steps: 100, detail });
    what = `layer ${conv} [${shape[0]}, ${shape[1]}→${shape[1]}, ${shape[2]}³] forward+backward${keepGrad ? ' (gradients kept)' : ''}`;
  } else {
    if (model !== 'unet' && model !== 'resnet18') throw new Error(`model must be unet, resnet18 or layer, got ${model}`);
    if (conv !== 'acs' && conv !== '3d' && conv !== '2.5d') throw new Error(`conv must be acs, 3d or 2.5d, got ${conv}`);
    const c = model === 'unet' ? unet(conv) : { ...resnet('step'), conv: conv as 'acs' };
    r = profileStep(c, { detail });
    what = `${model} ${conv} training step`;
  }
  const gcMs = (await gcMsWithin(gcEntries, r.window)) / r.steps;
  observer.disconnect();
  const digits = r.stepMs < 50 ? 2 : 0;
  const ms = (v: number): string => v.toFixed(digits);
  console.log(
    `${what}: ${ms(r.stepMs)} ms, native kernels ${ms(r.nativeMs)} ms, garbage collection ${ms(gcMs)} ms, ` +
      `the rest ${ms(r.stepMs - r.nativeMs - gcMs)} ms`,
  );
  // The convolutions' own kernels (ACS or Conv3d, forward and both gradients), for the ACS/3D comparison.
  const convMs = r.rows.filter(([k]) => /^(acs|conv)(Forward|BackwardInput|BackwardWeight)/.test(k)).reduce((s, row) => s + row[1], 0);
  console.log(`  convolutions ${ms(convMs)} ms, everything else ${ms(r.stepMs - convMs)} ms`);
  const minMs = r.stepMs < 50 ? 0.005 : 0.5;
  for (const [k, t, n] of r.rows) if (t >= minMs) console.log(`  ${k.padEnd(40)} ${t.toFixed(digits + 1).padStart(7)} ms  ${n} calls`);
}
