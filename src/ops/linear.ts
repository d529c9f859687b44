/** Dense layers and matrix products on the native SGEMM (src/backend/gemm.ts). */
import { allocF32 } from '../backend/alloc.js';
import { sgemm } from '../backend/gemm.js';
import { record } from '../autograd/record.js';
import { assertFloat, type DType, Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { numel, shapeStr } from '../util/shape.js';

function checkT(t: Tensor, op: string, name: string): void {
  if (!(t instanceof Tensor)) throw new ValueError(`${op}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  assertFloat(t as Tensor<DType>, op, name);
}

/**
 * `x · wᵀ + b` over the last dim (`F.linear`): x [..., in], w [out, in], b [out] or null → [..., out].
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null = null): Tensor {
  checkT(x, 'linear', 'input');
  checkT(w, 'linear', 'weight');
  if (w.shape.length !== 2) throw new ShapeError(`linear: weight must be rank 2 [out, in], got shape ${shapeStr(w.shape)}`);
  const [outF, inF] = w.shape;
  if (x.shape.length < 1 || x.shape[x.shape.length - 1] !== inF) {
    throw new ShapeError(`linear: input's last dim must equal weight's in_features ${inF}, got input shape ${shapeStr(x.shape)}`);
  }
  if (b !== null) {
    checkT(b, 'linear', 'bias');
    if (b.shape.length !== 1 || b.shape[0] !== outF) {
      throw new ShapeError(`linear: bias must have shape [${outF}], got ${shapeStr(b.shape)}`);
    }
  }
  const rows = numel(x.shape.slice(0, -1));
  const out = allocF32(rows * outF);
  if (b) {
    const bd = b.data;
    for (let r = 0; r < rows; r++) out.set(bd, r * outF);
  }
  if (inF > 0) sgemm(rows, outF, inF, x.data, w.data, out, { transB: true, beta: b ? 1 : 0 });
  const shape = [...x.shape.slice(0, -1), outF];
  const inputs = b ? [x, w, b] : [x, w];
  return record(new Tensor(out, shape, 'float32'), 'Linear', inputs, (g) => {
    const gd = g.data;
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (x.requiresGrad) {
      const d = allocF32(rows * inF);
      if (inF > 0) sgemm(rows, inF, outF, gd, w.data, d);
      gx = new Tensor(d, x.shape, 'float32');
    }
    if (w.requiresGrad) {
      const d = allocF32(outF * inF);
      if (rows > 0) sgemm(outF, inF, rows, gd, x.data, d, { transA: true });
      gw = new Tensor(d, w.shape, 'float32');
    }
    if (b && b.requiresGrad) {
      const acc = new Float64Array(outF);
      for (let r = 0; r < rows; r++) {
        const o = r * outF;
        for (let j = 0; j < outF; j++) acc[j] += gd[o + j];
      }
      gb = new Tensor(Float32Array.from(acc), b.shape, 'float32');
    }
    return b ? [gx, gw, gb] : [gx, gw];
  });
}

/**
 * Matrix product (`torch.matmul`) for 2-D [M, K]·[K, N] and batched 3-D [B, M, K]·[B, K, N]; a 2-D
 * operand broadcasts over the other's batch.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkT(a, 'matmul', 'a');
  checkT(b, 'matmul', 'b');
  const ra = a.shape.length;
  const rb = b.shape.length;
  if ((ra !== 2 && ra !== 3) || (rb !== 2 && rb !== 3)) {
    throw new ShapeError(`matmul: operands must be rank 2 [M, K] or 3 [B, M, K], got shapes ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  const [M, K] = a.shape.slice(-2);
  const [K2, N] = b.shape.slice(-2);
  if (K !== K2) {
    throw new ShapeError(`matmul: inner dims differ: a ${shapeStr(a.shape)} has ${K} columns, b ${shapeStr(b.shape)} has ${K2} rows`);
  }
  const Ba = ra === 3 ? a.shape[0] : 1;
  const Bb = rb === 3 ? b.shape[0] : 1;
  if (ra === 3 && rb === 3 && Ba !== Bb) {
    throw new ShapeError(`matmul: batch sizes differ: a ${shapeStr(a.shape)}, b ${shapeStr(b.shape)}`);
  }
  const B = Math.max(Ba, Bb);
  const batched = ra === 3 || rb === 3;
  // A batched a times a 2-D b is one tall GEMM: [B·M, K]·[K, N].
  const tall = ra === 3 && rb === 2;
  const out = allocF32(B * M * N);
  const ad = a.data;
  const bd = b.data;
  if (tall) gemm(B * M, N, K, ad, bd, out, false, false, 0);
  else {
    for (let i = 0; i < B; i++) {
      gemm(M, N, K, at(ad, ra === 3 ? i : 0, M * K), at(bd, rb === 3 ? i : 0, K * N), at(out, i, M * N), false, false, 0);
    }
  }
  const shape = batched ? [B, M, N] : [M, N];
  return record(new Tensor(out, shape, 'float32'), 'MatMul', [a, b], (g) => {
    const gd = g.data;
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (a.requiresGrad) {
      // dA = dC · Bᵀ (summed over the batch when a was broadcast).
      const d = allocF32(a.size);
      if (tall) gemm(B * M, K, N, gd, bd, d, false, true, 0);
      else {
        for (let i = 0; i < B; i++) {
          const beta = ra === 2 && i > 0 ? 1 : 0;
          gemm(M, K, N, at(gd, i, M * N), at(bd, rb === 3 ? i : 0, K * N), at(d, ra === 3 ? i : 0, M * K), false, true, beta);
        }
      }
      ga = new Tensor(d, a.shape, 'float32');
    }
    if (b.requiresGrad) {
      // dB = Aᵀ · dC (summed over the batch when b was broadcast).
      const d = allocF32(b.size);
      if (tall) gemm(K, N, B * M, ad, gd, d, true, false, 0);
      else {
        for (let i = 0; i < B; i++) {
          const beta = rb === 2 && i > 0 ? 1 : 0;
          gemm(K, N, M, at(ad, ra === 3 ? i : 0, M * K), at(gd, i, M * N), at(d, rb === 3 ? i : 0, K * N), true, false, beta);
        }
      }
      gb = new Tensor(d, b.shape, 'float32');
    }
    return [ga, gb];
  });
}

function at(d: Float32Array, i: number, n: number): Float32Array {
  return d.subarray(i * n, (i + 1) * n);
}

/** SGEMM that tolerates empty dims (K = 0 leaves C = beta·C, which is 0 for fresh buffers). */
function gemm(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array, transA: boolean, transB: boolean, beta: number): void {
  if (M === 0 || N === 0 || K === 0) return;
  sgemm(M, N, K, A, B, C, { transA, transB, beta });
}
