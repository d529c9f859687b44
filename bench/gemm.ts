/**
 * SGEMM throughput: square and convolution-shaped problems on 1 and 2 threads, median of repeats,
 * side by side with torch.mm when /usr/bin/python3 has torch. Standalone: `node dist/bench/gemm.js`.
 * The machine is shared: numbers are medians. The torch columns are torch.mm (this torch build
 * uses the reference BLAS) and the same product as a 1x1 conv2d, which runs in oneDNN (transposes
 * are not modelled there).
 */
import { fileURLToPath } from 'node:url';
import { backend, setNumThreads, getNumThreads } from '../src/index.js';
import { PEAK_PER_CORE, runTorchCode, timeEach } from './util.js';


interface Shape {
  name: string;
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
}

const SHAPES: Shape[] = [
  { name: 'square 512', M: 512, N: 512, K: 512, transA: false, transB: false },
  { name: 'square 1024', M: 1024, N: 1024, K: 1024, transA: false, transB: false },
  { name: 'square 2048', M: 2048, N: 2048, K: 2048, transA: false, transB: false },
  // ACS forward, Cin=32 3x3 taps per part, 32^3 output voxels: W[Cout, Cin*9] x col[Cin*9, DHW].
  { name: 'conv fwd 32x32768x288', M: 32, N: 32768, K: 288, transA: false, transB: false },
  { name: 'conv fwd 16x65536x27', M: 16, N: 65536, K: 27, transA: false, transB: false },
  { name: 'conv fwd 128x4096x1152', M: 128, N: 4096, K: 1152, transA: false, transB: false },
  // Weight gradient dY[Cout, DHW] x col[Cin*9, DHW]^T: reduction over space.
  { name: 'conv dW 64x576x32768 (NT)', M: 64, N: 576, K: 32768, transA: false, transB: true },
  // Input gradient W[Cout, Cin*9]^T x dY[Cout, DHW].
  { name: 'conv dX 576x32768x64 (TN)', M: 576, N: 32768, K: 64, transA: true, transB: false },
];

function randArray(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

// Median seconds per call: one warm-up, then repeats until ~0.4 s or 15 runs (at least 3).
function timeOurs(s: Shape): number {
  const A = randArray(s.M * s.K);
  const B = randArray(s.K * s.N);
  const C = new Float32Array(s.M * s.N);
  const run = (): void => backend.sgemm(s.M, s.N, s.K, A, B, C, { transA: s.transA, transB: s.transB });
  return timeEach([run], { max: 15, budget: 0.4 })[0];
}

const TORCH_SCRIPT = `
import json, sys, time, torch
threads, shapes = json.loads(sys.argv[1])
torch.set_num_threads(threads)
out = []
for M, N, K, ta, tb in shapes:
    a = torch.rand(K, M) .t() if ta else torch.rand(M, K)
    b = torch.rand(N, K).t() if tb else torch.rand(K, N)
    c = torch.empty(M, N)
    torch.mm(a, b, out=c)
    ts, total = [], 0.0
    while len(ts) < 3 or (len(ts) < 15 and total < 0.4):
        t0 = time.perf_counter(); torch.mm(a, b, out=c); dt = time.perf_counter() - t0
        ts.append(dt); total += dt
    ts.sort(); mm = ts[len(ts) // 2]
    # This torch's mm uses the reference BLAS; a 1x1 convolution runs the same product in oneDNN
    # (a batch of 16 because torch only picks oneDNN for single-threaded convs from batch 16 up).
    x = torch.rand(16, K, 1, N // 16) if N % 16 == 0 else torch.rand(1, K, 1, N); w = torch.rand(M, K, 1, 1)
    with torch.no_grad():
        torch.nn.functional.conv2d(x, w)
        ts, total = [], 0.0
        while len(ts) < 3 or (len(ts) < 15 and total < 0.4):
            t0 = time.perf_counter(); torch.nn.functional.conv2d(x, w); dt = time.perf_counter() - t0
            ts.append(dt); total += dt
    ts.sort(); out.append([mm, ts[len(ts) // 2]])
print(json.dumps(out))
`;

// Median seconds per shape of [torch.mm, 1x1 conv2d (oneDNN)] with the same thread count, or null
// without torch.
function timeTorch(shapes: Shape[], threads: number): ([number, number] | null)[] {
  const arg = JSON.stringify([threads, shapes.map((s) => [s.M, s.N, s.K, s.transA, s.transB])]);
  return runTorchCode<[number, number][]>(['code', TORCH_SCRIPT], [arg], 300_000).value ?? shapes.map(() => null);
}

/** Runs the benchmark and returns a markdown table (one row per shape and thread count). */
export async function runGemmBench(shapes: Shape[] = SHAPES): Promise<string> {
  const saved = getNumThreads();
  const rows: string[] = [
    `SGEMM, kernel \`${backend.gemmKernel()}\`, median of repeats (shared machine; % of peak uses ${PEAK_PER_CORE} GFLOP/s per thread)`,
    '',
    '| shape | threads | ms | GFLOP/s | % peak | torch.mm GFLOP/s | ours / mm | oneDNN 1x1 conv GFLOP/s | ours / oneDNN |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  try {
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      const torch = timeTorch(shapes, threads);
      shapes.forEach((s, i) => {
        const t = timeOurs(s);
        const flop = 2 * s.M * s.N * s.K;
        const gf = flop / t / 1e9;
        const ref = torch[i];
        const cols = [0, 1].map((j) => {
          if (ref == null) return 'n/a | n/a';
          const rgf = flop / ref[j] / 1e9;
          return `${rgf.toFixed(1)} | ${(gf / rgf).toFixed(2)}`;
        });
        rows.push(
          `| ${s.name} | ${threads} | ${(t * 1e3).toFixed(2)} | ${gf.toFixed(1)} | ` +
            `${((100 * gf) / (PEAK_PER_CORE * threads)).toFixed(0)}% | ${cols[0]} | ${cols[1]} |`,
        );
      });
    }
  } finally {
    setNumThreads(saved);
  }
  await Promise.resolve();
  return rows.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await runGemmBench());
}
