/**
 * Shared helpers for the benchmarks: medians of repeated timings, memory readings, and running a
 * side (our own child process, or the PyTorch script under bench/torch/) that answers one JSON line.
 * The machine is shared and noisy (PERF.md): compare medians measured in the same run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backend } from '../src/index.js';

/** The Python that has torch 1.13 on this machine kind. */
export const PYTHON = '/usr/bin/python3';

/**
 * Peak float32 throughput of one core of this machine (AMD Zen 5, 512-bit FMAs at full width), in GFLOP/s,
 * measured by scripts/peak-flops.sh (263 on 1 thread and per core on 2). The "% of peak" columns use it.
 */
export const PEAK_PER_CORE = 263;

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface Timing {
  /** Median seconds per call. */
  median: number;
  /** Every timed call, seconds, in order. */
  times: number[];
}

/**
 * Median seconds of each function: one warm-up call each, then rounds that call them in turn until there
 * are `min` rounds and either `max` rounds or `budget` seconds have passed. Taking turns lets slow phases
 * of a shared machine fall on every function alike, so ratios stay meaningful. Every other round runs
 * them in reverse order (a, b, b, a, a, b, …): a cost one function leaves behind is paid by whichever
 * runs next, and in a fixed order that is always the same one. (V8 collects the young ArrayBuffers of a
 * layer step about once per step pair, ≈ 0.2 ms inside the next large allocation; in the order ACS,
 * Conv3d it fell on the ACS step every time, ≈ 6 % of a [1, 16→16, 48³] ACS step and none of Conv3d's.)
 */
export function timeEach(fns: readonly (() => unknown)[], { min = 3, max = 9, budget = 1.5 } = {}): number[] {
  for (const f of fns) f();
  const times: number[][] = fns.map(() => []);
  const start = performance.now();
  while (times[0].length < min || (times[0].length < max && performance.now() - start < budget * 1000)) {
    const order = fns.map((_, i) => i);
    if (times[0].length % 2) order.reverse();
    for (const i of order) {
      const t0 = performance.now();
      fns[i]();
      times[i].push((performance.now() - t0) / 1000);
    }
  }
  return times.map(median);
}

/** Runs `fn` `warmup` times untimed, then `repeats` times timed (seconds, wall clock). */
export function timeRepeats(fn: () => void, { warmup = 1, repeats = 3 }: { warmup?: number; repeats?: number } = {}): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  return { median: median(times), times };
}

/** Resident set size now, KB (the same unit as `process.resourceUsage().maxRSS` and Linux ru_maxrss). */
export function rssKB(): number {
  return Math.round(process.memoryUsage.rss() / 1024);
}

/**
 * Peak resident set size of this process so far, KB: Linux's VmHWM, which clear_refs resets. Not
 * getrusage's maxRSS: Linux folds into it the peak of the parent's memory the child was forked from
 * (recorded at exec), so a child of a large benchmark process would report the parent's peak.
 */
export function maxRssKB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux: fall through
  }
  return process.resourceUsage().maxRSS;
}

/**
 * Resets this process's peak RSS (VmHWM) to the current RSS, so that a later maxRssKB() reading is the
 * peak of what ran in between. Linux only; false where not permitted.
 */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** KB → MB with one decimal, for tables. */
export function mb(kb: number | null | undefined): string {
  return kb == null || !Number.isFinite(kb) ? 'n/a' : (kb / 1024).toFixed(0);
}

/** Seconds → milliseconds, for tables. */
export function ms(s: number | null | undefined): string {
  return s == null || !Number.isFinite(s) ? 'n/a' : (s * 1000).toFixed(s < 0.1 ? 1 : 0);
}

/** a / b with two decimals, or n/a. */
export function ratio(a: number | null | undefined, b: number | null | undefined): string {
  return a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? 'n/a' : (a / b).toFixed(2);
}

/** Absolute path of a script under bench/torch/ (works from bench/ and from dist/bench/). */
export function torchScript(name: string): string {
  for (const rel of [`./torch/${name}`, `../../bench/torch/${name}`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new Error(`bench: cannot find bench/torch/${name}`);
}

let torchAvailable: boolean | undefined;

/** Whether `/usr/bin/python3` can import torch (checked once). */
export function hasTorch(): boolean {
  torchAvailable ??= spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' }).status === 0;
  return torchAvailable;
}

export interface ChildResult<T> {
  value: T | null;
  /** Why there is no value (exit status and the end of stderr), for the report. */
  error?: string;
}

/** Runs a command whose last stdout line is JSON; parses it. */
export function runJson<T>(cmd: string, args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): ChildResult<T> {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 600_000,
    env: { ...process.env, ...opts.env },
    maxBuffer: 16 << 20,
  });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status === 0) {
    try {
      return { value: JSON.parse(last) as T };
    } catch {
      /* fall through to the error */
    }
  }
  const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}`;
  return { value: null, error: `${why}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
}

/**
 * PyTorch's settings that match ACSCONV_ISA: when it lowers our kernels below what this CPU has, PyTorch
 * gets the same cap (oneDNN's ONEDNN_MAX_CPU_ISA and ATen's ATEN_CPU_CAPABILITY), so a capped comparison
 * is still like for like. Empty without a cap.
 */
export function torchIsaEnv(): Record<string, string> {
  const level = backend.isa();
  if (level === backend.cpuIsa()) return {};
  return level === 'avx2'
    ? { ONEDNN_MAX_CPU_ISA: 'AVX2', ATEN_CPU_CAPABILITY: 'avx2' }
    : { ONEDNN_MAX_CPU_ISA: 'SSE41', ATEN_CPU_CAPABILITY: 'default' };
}

/** Runs a bench/torch script with a JSON argument; null without torch. */
export function runTorch<T>(script: string, arg: unknown, timeoutMs?: number): ChildResult<T> {
  return runTorchCode<T>(['script', torchScript(script)], [JSON.stringify(arg)], timeoutMs);
}

/**
 * Runs PyTorch code, a bench/torch script (`['script', path]`) or inline source (`['code', text]`), with
 * string arguments under torchIsaEnv(); parses the last stdout line as JSON. null without torch.
 */
export function runTorchCode<T>(what: ['script' | 'code', string], args: readonly string[], timeoutMs?: number): ChildResult<T> {
  if (!hasTorch()) return { value: null, error: `${PYTHON} has no torch` };
  const head = what[0] === 'script' ? [what[1]] : ['-c', what[1]];
  return runJson<T>(PYTHON, [...head, ...args], { timeoutMs, env: torchIsaEnv() });
}

/**
 * Runs one of our bench modules in a fresh Node process (`node <module> --child <json>`), so its
 * memory readings start clean. `nodeArgs` go before the script (e.g. `--expose-gc`).
 */
export function runNodeChild<T>(moduleUrl: string, arg: unknown, opts: { nodeArgs?: string[]; threads?: number; timeoutMs?: number } = {}): ChildResult<T> {
  const file = fileURLToPath(moduleUrl);
  const env = opts.threads ? { ACSCONV_NUM_THREADS: String(opts.threads) } : {};
  return runJson<T>(process.execPath, [...(opts.nodeArgs ?? []), file, '--child', JSON.stringify(arg)], { env, timeoutMs: opts.timeoutMs });
}

/** The JSON argument when this process was started by `runNodeChild`, else null. */
export function childArg<T>(moduleUrl: string): T | null {
  const i = process.argv.indexOf('--child');
  if (i < 0 || process.argv[1] !== fileURLToPath(moduleUrl)) return null;
  return JSON.parse(process.argv[i + 1]) as T;
}

/** Whether `moduleUrl` is the script Node was started with (standalone run of a bench file). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] === fileURLToPath(moduleUrl) && !process.argv.includes('--child');
}

/** Integer from an environment variable, or the default. */
export function envInt(name: string, dflt: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : dflt;
}
