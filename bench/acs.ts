/**
 * ACS layer throughput (issue 3): forward and forward+backward on the issue's shapes, k = 3, padding 1,
 * 2 threads (BENCH_THREADS=n for another count, on both sides); median time, GFLOP/s, % of peak; side by side with the reference algorithm on PyTorch
 * (three F.conv3d with unsqueezed kernels + torch.cat, the same threads) when /usr/bin/python3 has torch, and
 * with our own Conv3d (forward and forward+backward, alternating with the ACS runs, in three sweeps over the
 * shapes whose medians are reported). Standalone: `node dist/bench/acs.js`.
 * The machine is shared: numbers are medians, and both sides run in the same invocation.
 */
import { fileURLToPath } from 'node:url';
import { F, type Tensor, getNumThreads, randn, setNumThreads } from '../src/index.js';
import { PEAK_PER_CORE, envInt, median, runTorchCode, timeEach } from './util.js';

const THREADS = envInt('BENCH_THREADS', 2);
const SWEEPS = 3;

interface Times {
  fwd: number;
  fb: number;
  c3f: number;
  c3: number;
}

interface Case {
  name: string;
  N: number;
  C: number;
  size: number;
  groups: number;
}

const CASES: Case[] = [
  { name: '[2, 32→32, 32³]', N: 2, C: 32, size: 32, groups: 1 },
  { name: '[4, 64→64, 24³]', N: 4, C: 64, size: 24, groups: 1 },
  { name: '[1, 16→16, 48³]', N: 1, C: 16, size: 48, groups: 1 },
  { name: '[2, 128→128, 12³]', N: 2, C: 128, size: 12, groups: 1 },
  { name: 'depthwise [2, 64, 24³]', N: 2, C: 64, size: 24, groups: 64 },
];

const TORCH_SCRIPT = String.raw`
import json, sys, time, torch
import torch.nn.functional as F
torch.set_num_threads(int(sys.argv[2]))
cases = json.loads(sys.argv[1])
def acs(x, w, groups):
    c = w.shape[0]; q, r = divmod(c, 3); a = q + (r >= 1); b = q + (r >= 2)
    if groups == 1:
        xs = (x, x, x); gs = (1, 1, 1)
    else:
        xs = (x[:, :a], x[:, a:a + b], x[:, a + b:]); gs = (a, b, c - a - b)
    ws = (w[:a].unsqueeze(2), w[a:a + b].unsqueeze(3), w[a + b:].unsqueeze(4))
    pads = ((0, 1, 1), (1, 0, 1), (1, 1, 0))
    return torch.cat([F.conv3d(xs[i], ws[i], None, 1, pads[i], 1, gs[i]) for i in range(3)], 1)
def med(fn):
    fn(); ts = []; t = time.perf_counter()
    while len(ts) < 3 or (len(ts) < 9 and time.perf_counter() - t < 1.5):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return sorted(ts)[len(ts) // 2]
out = []
for c in cases:
    x = torch.randn(c['N'], c['C'], c['size'], c['size'], c['size'], requires_grad=True)
    w = torch.randn(c['C'], c['C'] // c['groups'], 3, 3, requires_grad=True)
    g = c['groups']
    with torch.no_grad():
        fwd = med(lambda: acs(x, w, g))
    def fb():
        x.grad = w.grad = None
        y = acs(x, w, g); y.backward(torch.ones_like(y))
    out.append({'fwd': fwd, 'fb': med(fb)})
print(json.dumps(out))
`;

function torchTimes(): { fwd: number; fb: number }[] | null {
  return runTorchCode<{ fwd: number; fb: number }[]>(['code', TORCH_SCRIPT], [JSON.stringify(CASES), String(THREADS)]).value;
}


/**
 * One forward+backward turn of an ACS or Conv3d layer (k = 3) as this benchmark times it (bench/profile.ts
 * splits the same turn). It starts as a training step does, and as bench/conv3d.ts's turns do, with the
 * leaves' gradients dropped: the engine hands dx over as x.grad instead of adding it to the last turn's, an
 * addition no layer inside a network pays (docs/decisions.md). `keepGrad` keeps them, to show that cost.
 */
export function layerTurn(conv: 'acs' | '3d', x: Tensor, w: Tensor, gy: Tensor, o: { padding: number; groups?: number }, keepGrad = false): () => void {
  return () => {
    if (!keepGrad) x.grad = w.grad = null;
    (conv === 'acs' ? F.acsConv(x, w, null, o) : F.conv3d(x, w, null, o)).backward(gy);
  };
}

/** Runs the benchmark and returns a markdown table. */
export async function runAcsBench(): Promise<string> {
  const prev = getNumThreads();
  setNumThreads(THREADS);
  const rows: string[] = [];
  // One closure per case measures it once: ACS and Conv3d alternate, so their ratio compares the same
  // moments of a shared machine.
  const measure = CASES.map((c) => {
    const x = randn([c.N, c.C, c.size, c.size, c.size]).requiresGrad_();
    const w = randn([c.C, c.C / c.groups, 3, 3]).requiresGrad_();
    const o = { padding: 1, groups: c.groups };
    const gy = randn([c.N, c.C, c.size, c.size, c.size]);
    const w3 = randn([c.C, c.C / c.groups, 3, 3, 3]).requiresGrad_();
    const turns = { min: 5, max: 25, budget: 4 };
    return (): Times => {
      const [fwd, c3f] = timeEach([() => F.acsConv(x.detach(), w.detach(), null, o), () => F.conv3d(x.detach(), w3.detach(), null, o)], turns);
      const [fb, c3] = timeEach([layerTurn('acs', x, w, gy, o), layerTurn('3d', x, w3, gy, o)], turns);
      return { fwd, fb, c3f, c3 };
    };
  });
  // Whole sweeps over the shapes, repeated: a ratio drifts by ±5 % over a minute on this shared machine, so
  // each is reported as its median over the sweeps, with every sweep's value beside it.
  const sweeps: Times[][] = [];
  for (let s = 0; s < SWEEPS; s++) sweeps.push(measure.map((m) => m()));
  const ours = CASES.map((_, i) => {
    const at = (k: keyof Times): number => median(sweeps.map((sw) => sw[i][k]));
    const ratios = (a: keyof Times, b: keyof Times): number[] => sweeps.map((sw) => sw[i][a] / sw[i][b]);
    return { fwd: at('fwd'), fb: at('fb'), c3f: at('c3f'), c3: at('c3'), rf: ratios('fwd', 'c3f'), rb: ratios('fb', 'c3') };
  });
  const torch = torchTimes();
  setNumThreads(prev);
  const peak = PEAK_PER_CORE * THREADS;
  rows.push(
    `ACS layers, k = 3, padding 1, ${THREADS} threads (peak ≈ ${peak} GFLOP/s); GFLOP/s counts fwd = 2·N·Cout·(Cin/g)·k²·oD·oH·oW, fwd+bwd = 3× that.`,
    `Ours: ${SWEEPS} sweeps over the shapes, each timing up to 25 alternating turns of ACS and our Conv3d; times are medians over the sweeps, ` +
      'and ACS/Conv3d is the median of the sweeps\' ratios, every sweep\'s fwd+bwd ratio listed. PyTorch: one sweep. ' +
      'Every fwd+bwd turn, on all three sides, starts with the input\'s and weight\'s gradients dropped, as a training step\'s zeroGrad() does.',
    '',
    '| shape | fwd ms | fwd GFLOP/s | fwd % peak | fwd+bwd ms | fwd+bwd GFLOP/s | % peak | torch ref fwd ms | torch ref fwd+bwd ms | torch/ours fwd+bwd | our Conv3d fwd ms | our Conv3d fwd+bwd ms | ACS/Conv3d fwd | ACS/Conv3d fwd+bwd | fwd+bwd per sweep |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  const speedups: number[] = [];
  const overConv: string[] = [];
  CASES.forEach((c, i) => {
    const flops = (2 * c.N * c.C * (c.C / c.groups) * 9 * c.size ** 3) / 1e9;
    const { fwd, fb, c3f, c3, rf, rb } = ours[i];
    const ratioF = median(rf);
    const ratioB = median(rb);
    const t = torch?.[i];
    if (t && c.groups === 1) speedups.push(t.fb / fb);
    const cells = [
      c.name,
      (fwd * 1e3).toFixed(1),
      (flops / fwd).toFixed(1),
      `${((100 * flops) / fwd / peak).toFixed(0)} %`,
      (fb * 1e3).toFixed(1),
      ((3 * flops) / fb).toFixed(1),
      `${((300 * flops) / fb / peak).toFixed(0)} %`,
      t ? (t.fwd * 1e3).toFixed(1) : 'n/a',
      t ? (t.fb * 1e3).toFixed(1) : 'n/a',
      t ? `${(t.fb / fb).toFixed(2)}×` : 'n/a',
      c3f ? (c3f * 1e3).toFixed(1) : 'n/a',
      c3 ? (c3 * 1e3).toFixed(1) : 'n/a',
      ratioF.toFixed(2),
      ratioB.toFixed(2),
      rb.map((r) => r.toFixed(2)).join(', '),
    ];
    rows.push(`| ${cells.join(' | ')} |`);
    if (c.groups === 1) {
      if (ratioF > 0.4) overConv.push(`${c.name} forward`);
      if (ratioB > 0.4) overConv.push(`${c.name} forward+backward`);
    }
  });
  rows.push(
    '',
    `ACS / our Conv3d target ≤ 0.40 (groups 1, forward and forward+backward, median over the sweeps): ${overConv.length ? `NOT met on ${overConv.join(', ')}` : 'met'}.`,
  );
  if (speedups.length) {
    const geo = Math.exp(speedups.reduce((a, b) => a + Math.log(b), 0) / speedups.length);
    rows.push(`Geometric mean torch-reference / ours, fwd+bwd (groups 1): ${geo.toFixed(2)}× (target ≥ 1.5×).`);
    const dw = torch?.[CASES.findIndex((c) => c.groups > 1)];
    const dwOurs = ours[CASES.findIndex((c) => c.groups > 1)];
    if (dw && dwOurs) rows.push(`Depthwise fwd+bwd torch / ours: ${(dw.fb / dwOurs.fb).toFixed(2)}× (target ≥ 1×).`);
  } else {
    rows.push('', 'PyTorch not available at /usr/bin/python3: reference columns skipped.');
  }
  return rows.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await runAcsBench());
}
