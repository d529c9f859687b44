/**
 * Runs every benchmark and writes BENCHMARKS.md (`npm run bench`, or `acs bench`). Each benchmark
 * measures our code and, when /usr/bin/python3 has torch, PyTorch doing the same work, side by side in
 * one run; the tables report ratios from that run. Pass names to run a subset: `npm run bench -- acs gemm`.
 */
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backend } from '../src/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { hasTorch, torchIsaEnv } from './util.js';

interface BenchEntry {
  name: string;
  title: string;
  /** Module in bench/ and the function it exports: `async () => markdown`. */
  file: string;
  fn: string;
}

const BENCHES: BenchEntry[] = [
  { name: 'gemm', title: 'SGEMM', file: './gemm.js', fn: 'runGemmBench' },
  { name: 'conv3d', title: 'Conv3d layer', file: './conv3d.js', fn: 'runConv3dBench' },
  { name: 'acs', title: 'ACS convolution layer', file: './acs.js', fn: 'runAcsBench' },
  { name: 'elementwise', title: 'Elementwise ops', file: './elementwise.js', fn: 'runElementwiseBench' },
  { name: 'models', title: 'Models: training steps and inference', file: './models.js', fn: 'runModelsBench' },
  { name: 'memory', title: 'Memory', file: './memory.js', fn: 'runMemoryBench' },
];

export const torchAvailable = hasTorch;

/**
 * Where a run's tables go under the package root: a full run rewrites BENCHMARKS.md, a subset only prints.
 * With the kernels capped below this CPU's level (ACSCONV_ISA), every run, subset or not, goes to
 * BENCHMARKS-<level>.md instead: a record of what CPUs without AVX-512 get, kept beside the main one.
 */
export function benchmarksFile(root: string, names: readonly string[]): string | null {
  if (backend.isa() !== backend.cpuIsa()) return join(root, `BENCHMARKS-${backend.isa()}.md`);
  return names.length ? null : join(root, 'BENCHMARKS.md');
}

function capPrefix(): string {
  return backend.isa() === backend.cpuIsa() ? '' : `ACSCONV_ISA=${backend.isa()} `;
}

function isaLine(): string {
  const cap = Object.entries(torchIsaEnv()).map(([k, v]) => `${k}=${v}`).join(', ');
  return cap
    ? `Native kernels: ${backend.isa()} (ACSCONV_ISA; this CPU has ${backend.cpuIsa()}); PyTorch capped likewise (${cap}).`
    : `Native kernels: ${backend.isa()}.`;
}

export function machineLine(): string {
  const c = cpus();
  return `${c.length} cores (nproc), ${c[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
}

export async function runBenchmarks(names: string[], out: string | null): Promise<string> {
  const selected = names.length ? BENCHES.filter((b) => names.includes(b.name)) : BENCHES;
  const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length) throw new Error(`bench: unknown benchmark(s) ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
  const parts: string[] = [
    '# Benchmarks',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with \`${capPrefix()}npm run bench${names.length ? ` -- ${names.join(' ')}` : ''}\` on ${machineLine()}.`,
    `PyTorch side: ${torchAvailable() ? 'measured in the same run (Debian python3-torch, oneDNN)' : 'not available on this machine (no torch in /usr/bin/python3)'}.`,
    isaLine(),
    'The machine is shared and noisy: every figure is a median of repeats, and ratios compare runs made side by side.',
    '',
  ];
  for (const b of selected) {
    process.stderr.write(`== ${b.name}\n`);
    const mod = (await import(b.file)) as Record<string, () => Promise<string>>;
    parts.push(`## ${b.title}`, '', await mod[b.fn](), '');
  }
  const text = parts.join('\n');
  if (out) writeFileAtomic(out, [new TextEncoder().encode(text)]);
  return text;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const args = process.argv.slice(2);
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const text = await runBenchmarks(args, benchmarksFile(root, args));
  process.stdout.write(text + '\n');
}
