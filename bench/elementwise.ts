/**
 * Elementwise / activation / softmax / dropout throughput at a 3D-UNet activation size
 * ([4, 64, 48, 48, 48] = 28M floats), side by side with torch (same thread count) when
 * /usr/bin/python3 has torch. Standalone: `node dist/bench/elementwise.js [threads]` (default 2).
 * GB/s counts the minimal traffic of each op (tensor-sized reads + writes); ms are medians of repeats
 * (the machine is shared). Backward rows time the recorded backward closure alone.
 */
import { fileURLToPath } from 'node:url';
import { F, getNumThreads, manualSeed, setNumThreads, Tensor } from '../src/index.js';
import { runTorchCode, timeEach } from './util.js';

const SHAPE = [4, 64, 48, 48, 48];

interface Case {
  name: string;
  /** Tensor-sized passes over memory (reads + writes), for GB/s. */
  passes: number;
  /** Builds the timed closure (setup is not timed). */
  make: () => () => unknown;
}

function randT(shape: readonly number[], requiresGrad = false): Tensor {
  let n = 1;
  for (const s of shape) n *= s;
  const d = new Float32Array(n);
  // A cheap LCG: Math.random over 28M elements would dominate the setup.
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    d[i] = (s / 4294967296) * 8 - 4;
  }
  return new Tensor(d, shape, 'float32', requiresGrad);
}

/** Times the backward closure of the op `f` builds from fresh inputs. */
function backwardOf(f: (x: Tensor) => Tensor): () => () => unknown {
  return () => {
    const x = randT(SHAPE, true);
    const y = f(x);
    const g = randT(SHAPE);
    const node = y.gradFn;
    if (!node?.backward) throw new Error('bench: op recorded no backward');
    const bw = node.backward;
    return () => bw(g);
  };
}

function cases(): Case[] {
  const chanShape = [1, SHAPE[1], 1, 1, 1];
  let shared: Tensor | null = null;
  const X = (): Tensor => (shared ??= randT(SHAPE));
  const fwd = (name: string, passes: number, f: (x: Tensor) => unknown): Case => ({ name, passes, make: () => { const x = X(); return () => f(x); } });
  return [
    fwd('relu', 2, (x) => F.relu(x)),
    { name: 'relu backward', passes: 3, make: backwardOf((x) => F.relu(x)) },
    fwd('leakyRelu', 2, (x) => F.leakyRelu(x, 0.01)),
    { name: 'add (same shape)', passes: 3, make: () => { const a = X(); const b = randT(SHAPE); return () => F.add(a, b); } },
    { name: 'add per-channel [1,C,1,1,1]', passes: 2, make: () => { const a = X(); const b = randT(chanShape); return () => F.add(a, b); } },
    fwd('mul scalar', 2, (x) => F.mul(x, 0.5)),
    { name: 'mul (same shape)', passes: 3, make: () => { const a = X(); const b = randT(SHAPE); return () => F.mul(a, b); } },
    { name: 'div (same shape)', passes: 3, make: () => { const a = X(); const b = randT(SHAPE); return () => F.div(a, b); } },
    fwd('sum to [1,C,1,1,1] (bias grad)', 1, (x) => F.sum(x, [0, 2, 3, 4], true)),
    {
      name: 'mul per-channel backward (both)',
      passes: 4,
      make: () => {
        const a = randT(SHAPE, true);
        const b = randT(chanShape, true);
        const bw = F.mul(a, b).gradFn!.backward!;
        const g = randT(SHAPE);
        return () => bw(g);
      },
    },
    fwd('sigmoid', 2, (x) => F.sigmoid(x)),
    fwd('tanh', 2, (x) => F.tanh(x)),
    fwd('silu', 2, (x) => F.silu(x)),
    fwd('gelu', 2, (x) => F.gelu(x)),
    { name: 'gelu backward', passes: 3, make: backwardOf((x) => F.gelu(x)) },
    fwd('hardswish', 2, (x) => F.hardswish(x)),
    fwd('softmax dim 1', 2, (x) => F.softmax(x, 1)),
    { name: 'softmax dim 1 backward', passes: 3, make: backwardOf((x) => F.softmax(x, 1)) },
    fwd('logSoftmax dim 1', 2, (x) => F.logSoftmax(x, 1)),
    { name: 'logSoftmax dim 1 backward', passes: 3, make: backwardOf((x) => F.logSoftmax(x, 1)) },
    fwd('dropout p=0.5', 2, (x) => F.dropout(x, 0.5, true)),
    { name: 'dropout backward', passes: 2, make: backwardOf((x) => F.dropout(x, 0.5, true)) },
    fwd('argmax dim 1', 1, (x) => F.argmax(x, 1)),
    { name: 'new Float32Array(28M) + fill', passes: 1, make: () => () => new Float32Array(X().size).fill(1) },
    { name: 'fill of a reused buffer', passes: 1, make: () => { const b = new Float32Array(X().size); return () => b.fill(1); } },
  ];
}

// Median seconds: one warm-up, then at least 3 and up to 9 runs or ~1.5 s.
const timeIt = (run: () => unknown): number => timeEach([run])[0];

const TORCH_SCRIPT = `
import json, sys, time, torch
threads = int(sys.argv[1]); shape = json.loads(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(0)
aten = torch.ops.aten
x = torch.rand(shape) * 8 - 4; b = torch.rand(shape) * 8 - 4; g = torch.rand(shape)
c = torch.rand([1, shape[1], 1, 1, 1])
y_relu = torch.relu(x); y_sm = torch.softmax(x, 1); y_lsm = torch.log_softmax(x, 1)
mask = torch.rand(shape) > 0.5
F = torch.nn.functional
ops = {
  'relu': lambda: torch.relu(x),
  'relu backward': lambda: aten.threshold_backward(g, y_relu, 0),
  'leakyRelu': lambda: F.leaky_relu(x, 0.01),
  'add (same shape)': lambda: x + b,
  'add per-channel [1,C,1,1,1]': lambda: x + c,
  'mul scalar': lambda: x * 0.5,
  'mul (same shape)': lambda: x * b,
  'div (same shape)': lambda: x / b,
  'sum to [1,C,1,1,1] (bias grad)': lambda: x.sum((0, 2, 3, 4), keepdim=True),
  'mul per-channel backward (both)': lambda: ((g * c), (g * x).sum((0, 2, 3, 4), keepdim=True)),
  'sigmoid': lambda: torch.sigmoid(x),
  'tanh': lambda: torch.tanh(x),
  'silu': lambda: F.silu(x),
  'gelu': lambda: F.gelu(x),
  'gelu backward': lambda: aten.gelu_backward(g, x),
  'hardswish': lambda: F.hardswish(x),
  'softmax dim 1': lambda: torch.softmax(x, 1),
  'softmax dim 1 backward': lambda: aten._softmax_backward_data(g, y_sm, 1, torch.float32),
  'logSoftmax dim 1': lambda: torch.log_softmax(x, 1),
  'logSoftmax dim 1 backward': lambda: aten._log_softmax_backward_data(g, y_lsm, 1, torch.float32),
  'dropout p=0.5': lambda: F.dropout(x, 0.5, True),
  'dropout backward': lambda: aten.native_dropout_backward(g, mask, 2.0),
  'argmax dim 1': lambda: torch.argmax(x, 1),
}
out = {}
with torch.no_grad():
  for name, f in ops.items():
    f(); ts = []; total = 0.0
    while len(ts) < 3 or (len(ts) < 9 and total < 1.5):
      t0 = time.perf_counter(); f(); dt = time.perf_counter() - t0; ts.append(dt); total += dt
    ts.sort(); out[name] = ts[len(ts) // 2]
print(json.dumps(out))
`;

function timeTorch(threads: number): Record<string, number> {
  return runTorchCode<Record<string, number>>(['code', TORCH_SCRIPT], [String(threads), JSON.stringify(SHAPE)]).value ?? {};
}

/** Runs the benchmark on `threads` threads and returns a markdown table. */
export async function runElementwiseBench(threads = 2, withTorch = true): Promise<string> {
  const saved = getNumThreads();
  const n = SHAPE.reduce((a, b) => a * b, 1);
  const rows = [
    `Elementwise ops at [${SHAPE.join(', ')}] (${(n / 1e6).toFixed(1)}M floats), ${threads} threads, median ms (shared machine)`,
    '',
    '| op | ms | GB/s | torch ms | ours / torch |',
    '|---|---:|---:|---:|---:|',
  ];
  try {
    setNumThreads(threads);
    const torch = withTorch ? timeTorch(threads) : {};
    manualSeed(0);
    for (const c of cases()) {
      const t = timeIt(c.make());
      const gbs = (c.passes * n * 4) / t / 1e9;
      const tt = torch[c.name];
      const ref = tt === undefined ? 'n/a | n/a' : `${(tt * 1e3).toFixed(1)} | ${(t / tt).toFixed(2)}`;
      rows.push(`| ${c.name} | ${(t * 1e3).toFixed(1)} | ${gbs.toFixed(1)} | ${ref} |`);
    }
  } finally {
    setNumThreads(saved);
  }
  await Promise.resolve();
  return rows.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const threads = Number(process.argv[2] ?? 2);
  console.log(await runElementwiseBench(threads, process.env.BENCH_NO_TORCH !== '1'));
}
