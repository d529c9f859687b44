/**
 * Conv3d speed: forward, and forward + backward (input, weight and bias gradients), k = 3, padding 1,
 * on 2 threads, median of repeats; side by side with torch.nn.functional.conv3d (2 threads) when
 * /usr/bin/python3 has torch. Standalone: `node dist/bench/conv3d.js`. The CPU is shared with other
 * work: read ratios from one run, not absolute numbers across days.
 */
import { fileURLToPath } from 'node:url';
import { F, getNumThreads, noGrad, randn, setNumThreads, type Tensor } from '../src/index.js';
import { runTorchCode, timeEach } from './util.js';

interface Shape {
  n: number;
  cin: number;
  cout: number;
  size: number;
}

const SHAPES: Shape[] = [
  { n: 2, cin: 32, cout: 32, size: 32 },
  { n: 4, cin: 64, cout: 64, size: 24 },
  { n: 1, cin: 16, cout: 16, size: 48 },
  { n: 2, cin: 128, cout: 128, size: 12 },
];
const THREADS = 2;

const label = (s: Shape): string => `[${s.n}, ${s.cin}→${s.cout}, ${s.size}³]`;
/** Forward FLOPs: 2·N·Cout·Cin·27·(output voxels); output size = input size with k = 3, padding 1. */
const flops = (s: Shape): number => 2 * s.n * s.cout * s.cin * 27 * s.size ** 3;

// Median seconds: one warm-up, then repeats until ~1.5 s or 7 runs (at least 3).
const timeIt = (fn: () => void): number => timeEach([fn], { max: 7 })[0];

function timeOurs(s: Shape): { fwd: number; fwdBwd: number } {
  const x = randn([s.n, s.cin, s.size, s.size, s.size]);
  const w = randn([s.cout, s.cin, 3, 3, 3]);
  const b = randn([s.cout]);
  const fwd = timeIt(() => noGrad(() => F.conv3d(x, w, b, { padding: 1 })));
  const xg = x.detach().requiresGrad_();
  const wg = w.detach().requiresGrad_();
  const bg = b.detach().requiresGrad_();
  let gy: Tensor | null = null;
  const fwdBwd = timeIt(() => {
    xg.grad = null;
    wg.grad = null;
    bg.grad = null;
    const y = F.conv3d(xg, wg, bg, { padding: 1 });
    gy ??= randn([...y.shape]);
    y.backward(gy);
  });
  return { fwd, fwdBwd };
}

const TORCH_SCRIPT = `
import json, sys, time, statistics, torch
import torch.nn.functional as F
torch.set_num_threads(${THREADS})
def t(fn):
    fn(); ts = []; total = 0.0
    while len(ts) < 3 or (len(ts) < 7 and total < 1.5):
        t0 = time.perf_counter(); fn(); dt = time.perf_counter() - t0; ts.append(dt); total += dt
    return statistics.median(ts)
out = []
for n, cin, cout, s in json.loads(sys.argv[1]):
    x = torch.randn(n, cin, s, s, s); w = torch.randn(cout, cin, 3, 3, 3); b = torch.randn(cout)
    with torch.no_grad():
        fwd = t(lambda: F.conv3d(x, w, b, padding=1))
    xg, wg, bg = x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_()
    gy = torch.randn(n, cout, s, s, s)
    def fb():
        xg.grad = wg.grad = bg.grad = None
        F.conv3d(xg, wg, bg, padding=1).backward(gy)
    out.append({"fwd": fwd, "fwdBwd": t(fb)})
print(json.dumps(out))
`;

function timeTorch(): { fwd: number; fwdBwd: number }[] | null {
  const arg = JSON.stringify(SHAPES.map((s) => [s.n, s.cin, s.cout, s.size]));
  const r = runTorchCode<{ fwd: number; fwdBwd: number }[]>(['code', TORCH_SCRIPT], [arg]);
  if (r.error) process.stderr.write(`torch timing failed: ${r.error}\n`);
  return r.value;
}

const ms = (t: number): string => (t * 1e3).toFixed(1);
const gf = (f: number, t: number): string => (f / t / 1e9).toFixed(1);

/** Runs the conv3d benchmark; returns a markdown table (ours vs torch, 2 threads). */
export async function runConv3dBench(): Promise<string> {
  const before = getNumThreads();
  setNumThreads(THREADS);
  const ours: { fwd: number; fwdBwd: number }[] = [];
  try {
    for (const s of SHAPES) ours.push(timeOurs(s));
  } finally {
    setNumThreads(before);
  }
  const torch = timeTorch();
  const rows = [
    '| shape | fwd ms | fwd GFLOP/s | fwd+bwd ms | fwd+bwd GFLOP/s | torch fwd ms | torch fwd+bwd ms | ratio fwd (ours/torch) | ratio fwd+bwd |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  let logF = 0;
  let logFB = 0;
  const over: string[] = [];
  SHAPES.forEach((s, i) => {
    const o = ours[i];
    const f = flops(s);
    const t = torch?.[i];
    if (t) {
      logF += Math.log(o.fwd / t.fwd);
      logFB += Math.log(o.fwdBwd / t.fwdBwd);
      if (o.fwdBwd / t.fwdBwd > 1.25) over.push(label(s));
    }
    rows.push(
      `| ${label(s)} | ${ms(o.fwd)} | ${gf(f, o.fwd)} | ${ms(o.fwdBwd)} | ${gf(3 * f, o.fwdBwd)} | ` +
        `${t ? ms(t.fwd) : 'n/a'} | ${t ? ms(t.fwdBwd) : 'n/a'} | ${t ? (o.fwd / t.fwd).toFixed(2) : 'n/a'} | ` +
        `${t ? (o.fwdBwd / t.fwdBwd).toFixed(2) : 'n/a'} |`,
    );
  });
  const geo = torch
    ? `Geometric-mean time ratio ours/torch: forward ${Math.exp(logF / SHAPES.length).toFixed(2)}, ` +
      `forward+backward ${Math.exp(logFB / SHAPES.length).toFixed(2)}. Target: forward+backward ≤ 1.25 on every shape: ` +
      (over.length ? `NOT met on ${over.join(', ')}.` : 'met.')
    : 'torch not available: no ratio.';
  return [
    `### conv3d, k = 3, padding 1, ${THREADS} threads (median; fwd+bwd FLOPs counted as 3× forward)`,
    '',
    ...rows,
    '',
    geo,
    'The CPU is shared with other processes while this runs: compare ratios from the same run.',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(await runConv3dBench());
}
