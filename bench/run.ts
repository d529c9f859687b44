/**
 * Runs every benchmark and writes BENCHMARKS.md (`npm run bench`, or `acs bench`). Each benchmark
 * measures our code and, when /usr/bin/python3 has torch, PyTorch doing the same work, side by side in
 * one run; the tables report ratios from that run. Pass names to run a subset: `npm run bench -- acs gemm`.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/io/atomic.js';

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

export function torchAvailable(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
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
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench${names.length ? ` -- ${names.join(' ')}` : ''}\` on ${machineLine()}.`,
    `PyTorch side: ${torchAvailable() ? 'measured in the same run (Debian python3-torch, oneDNN)' : 'not available on this machine (no torch in /usr/bin/python3)'}.`,
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
  const text = await runBenchmarks(args, args.length ? null : join(root, 'BENCHMARKS.md'));
  process.stdout.write(text + '\n');
}
