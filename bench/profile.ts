/**
 * Where a model's training step spends its time: every native kernel call timed by name (and, with
 * --detail, by geometry), the rest being JavaScript, autograd, allocation and garbage collection. The
 * same cases as bench/models.ts. `node dist/bench/profile.js [unet|resnet18] [acs|3d|2.5d] [--detail]`;
 * not part of `npm run bench` (a diagnostic, not a comparison).
 */
import { native } from '../src/backend/binding.js';
import { setNumThreads } from '../src/index.js';
import { build, makeStep, type ModelCase } from './model-case.js';
import { resnet, unet } from './models.js';
import { isMain } from './util.js';

/** Per-step milliseconds and call counts of each native entry point, with the whole step's time. */
export function profileStep(
  c: ModelCase,
  { steps = 3, detail = false }: { steps?: number; detail?: boolean } = {},
): { stepMs: number; nativeMs: number; rows: [string, number, number][] } {
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
    setNumThreads(c.threads);
    const step = makeStep(c, build(c));
    // As many untimed steps as bench/models.ts runs: the heap is still growing before that.
    for (let i = 0; i < Math.max(1, c.warmup); i++) step();
    time.clear();
    calls.clear();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    const stepMs = (performance.now() - t0) / steps;
    const rows = [...time.entries()]
      .map(([k, v]): [string, number, number] => [k, v / steps, (calls.get(k) ?? 0) / steps])
      .sort((a, b) => b[1] - a[1]);
    return { stepMs, nativeMs: rows.reduce((s, r) => s + r[1], 0), rows };
  } finally {
    for (const [name, f] of originals) table[name] = f;
  }
}

if (isMain(import.meta.url)) {
  const [model = 'unet', conv = 'acs'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (model !== 'unet' && model !== 'resnet18') throw new Error(`model must be unet or resnet18, got ${model}`);
  if (conv !== 'acs' && conv !== '3d' && conv !== '2.5d') throw new Error(`conv must be acs, 3d or 2.5d, got ${conv}`);
  const c = model === 'unet' ? unet(conv) : { ...resnet('step'), conv: conv as 'acs' };
  const r = profileStep(c, { detail: process.argv.includes('--detail') });
  console.log(`${model} ${conv} training step: ${r.stepMs.toFixed(0)} ms, native kernels ${r.nativeMs.toFixed(0)} ms, the rest ${(r.stepMs - r.nativeMs).toFixed(0)} ms`);
  // The convolutions' own kernels (ACS or Conv3d, forward and both gradients), for the ACS/3D comparison.
  const convMs = r.rows.filter(([k]) => /^(acs|conv)(Forward|BackwardInput|BackwardWeight)/.test(k)).reduce((s, row) => s + row[1], 0);
  console.log(`  convolutions ${convMs.toFixed(0)} ms, everything else ${(r.stepMs - convMs).toFixed(0)} ms`);
  for (const [k, ms, n] of r.rows) if (ms >= 0.5) console.log(`  ${k.padEnd(40)} ${ms.toFixed(1).padStart(7)} ms  ${n} calls`);
}
