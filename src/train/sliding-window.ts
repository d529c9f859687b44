import { noGrad } from '../autograd/grad-mode.js';
import * as F from '../ops/index.js';
import { copyBox } from '../ops/strided.js';
import { Tensor } from '../tensor/tensor.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { shapeStr, stridesOf } from '../util/shape.js';

/** Options of slidingWindowInference (MONAI's `sliding_window_inference`, in TypeScript casing). */
export interface SlidingWindowOptions {
  /** Fraction of a window shared with the next along each axis, in [0, 1). Default 0.25. */
  overlap?: number;
  /**
   * How overlapping windows are blended: 'constant' averages them; 'gaussian' weights each window's voxels
   * by a Gaussian centred on the window (σ = sigmaScale · window size per axis), so its borders count less.
   * Default 'constant'.
   */
  mode?: 'constant' | 'gaussian';
  /** σ of the Gaussian as a fraction of the window size. Default 0.125. */
  sigmaScale?: number;
  /** Windows per predictor call (stacked along the batch axis). Default 1. */
  batchSize?: number;
  /** Value the volume is padded with where it is smaller than the window. Default 0. */
  padValue?: number;
  /** Called after each predictor call with the windows done so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

type Triple = [number, number, number];

/**
 * Window starts along one axis of length `n` for windows of `roi` stepping by `interval`: MONAI's
 * dense_patch_slices, where the last window is moved back to end at the volume's edge.
 */
function starts(n: number, roi: number, interval: number): number[] {
  const out: number[] = [];
  for (let i = 0; ; i++) {
    const s = i * interval;
    out.push(Math.max(0, s - Math.max(s + roi - n, 0)));
    if (s + roi >= n) break;
  }
  return out;
}

/** The blending weights of one window, [d, h, w] flattened (MONAI's compute_importance_map). */
function importanceMap(roi: Triple, mode: 'constant' | 'gaussian', sigmaScale: number): Float32Array {
  const [d, h, w] = roi;
  const map = new Float32Array(d * h * w);
  if (mode === 'constant') return map.fill(1);
  const axis = (n: number): Float64Array => {
    const sigma = sigmaScale * n;
    return Float64Array.from({ length: n }, (_, i) => {
      const x = i - (n - 1) / 2;
      return Math.exp((x * x) / (-2 * sigma * sigma));
    });
  };
  const [gz, gy, gx] = [axis(d), axis(h), axis(w)];
  let min = Infinity;
  for (let z = 0, o = 0; z < d; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++, o++) {
        map[o] = gz[z] * gy[y] * gx[x];
        min = Math.min(min, map[o]);
      }
    }
  }
  // Far from the centre the product underflows towards 0; a floor keeps every voxel's weight positive.
  const floor = Math.max(min, 1e-3);
  for (let i = 0; i < map.length; i++) map[i] = Math.max(map[i], floor);
  return map;
}

function toTriple(v: number | readonly number[], name: string): Triple {
  const t = typeof v === 'number' ? [v, v, v] : [...v];
  if (t.length !== 3 || !t.every((x) => Number.isInteger(x) && x > 0)) {
    throw new ValueError(`slidingWindowInference: ${name} must be a positive integer or three of them (D, H, W), got ${JSON.stringify(v)}`);
  }
  return t as Triple;
}

/**
 * Runs `predictor` over a volume too large to process whole, window by window, and blends the overlapping
 * predictions into one output of the volume's spatial size: MONAI's `sliding_window_inference` (window
 * placement, padding and both blend modes as MONAI 1.1 and later compute them).
 *
 * `x` is [N, C, D, H, W]; `predictor` maps a batch of windows [B, C, d, h, w] to [B, K, d, h, w] (K output
 * channels, e.g. class scores). Runs without recording gradients. Where the volume is smaller than the
 * window along an axis it is padded (evenly on both sides, with `padValue`) and the output cropped back.
 * Returns [N, K, D, H, W].
 */
export function slidingWindowInference(
  x: Tensor,
  roiSize: number | readonly number[],
  predictor: (windows: Tensor) => Tensor,
  opts: SlidingWindowOptions = {},
): Tensor {
  const fn = 'slidingWindowInference';
  if (x.shape.length !== 5) throw new ShapeError(`${fn}: input must be rank 5 [N, C, D, H, W], got shape ${shapeStr(x.shape)}`);
  if (x.dtype !== 'float32') throw new ValueError(`${fn}: input must be float32, got ${x.dtype}`);
  const roi = toTriple(roiSize, 'roiSize');
  const { overlap = 0.25, mode = 'constant', sigmaScale = 0.125, batchSize = 1, padValue = 0, onProgress } = opts;
  if (!(overlap >= 0 && overlap < 1)) throw new ValueError(`${fn}: overlap must be in [0, 1), got ${overlap}`);
  if (mode !== 'constant' && mode !== 'gaussian') throw new ValueError(`${fn}: mode must be 'constant' or 'gaussian', got ${String(mode)}`);
  if (!(sigmaScale > 0)) throw new ValueError(`${fn}: sigmaScale must be positive, got ${sigmaScale}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(`${fn}: batchSize must be a positive integer, got ${batchSize}`);

  const [N, C, D0, H0, W0] = x.shape;
  if (x.size === 0) throw new ShapeError(`${fn}: input ${shapeStr(x.shape)} is empty`);
  // Padded to at least the window along every axis, half before and half after (F.pad order: W, H, D).
  const grow = [D0, H0, W0].map((n, i) => Math.max(0, roi[i] - n));
  const pads = [2, 1, 0].flatMap((i) => [Math.floor(grow[i] / 2), grow[i] - Math.floor(grow[i] / 2)]);
  const padded = grow.some((g) => g > 0);
  const vol = (padded ? noGrad(() => F.pad(x, pads, padValue)) : x).data;
  const [D, H, W] = [D0 + grow[0], H0 + grow[1], W0 + grow[2]];
  const S = D * H * W;
  const volSt = [S, H * W, W, 1];
  // MONAI's scan interval: a whole window where it spans the axis, else (1 − overlap) of it, at least 1.
  const size = [D, H, W];
  const interval = roi.map((r, i) => (r === size[i] ? r : Math.max(1, Math.floor(r * (1 - overlap)))));
  const [sz, sy, sx] = [0, 1, 2].map((i) => starts(size[i], roi[i], interval[i]));
  const origins: number[] = []; // each window's offset in a padded volume
  for (const z of sz) for (const y of sy) for (const xx of sx) origins.push((z * H + y) * W + xx);
  const weights = importanceMap(roi, mode, sigmaScale);
  const [rd, rh, rw] = roi;
  const R = rd * rh * rw;
  const winSt = stridesOf([C, rd, rh, rw]);

  // dst[k] box at `at` += src[k] · weights, for k < K: how each window's prediction is blended in.
  const addWindow = (dst: Float32Array, at: number, src: Float32Array, srcAt: number, K: number): void => {
    for (let k = 0; k < K; k++) {
      for (let z = 0, wo = 0; z < rd; z++) {
        for (let y = 0; y < rh; y++, wo += rw) {
          const d = at + k * S + z * H * W + y * W;
          const sr = srcAt + k * R + wo;
          for (let i = 0; i < rw; i++) dst[d + i] += src[sr + i] * weights[wo + i];
        }
      }
    }
  };
  // The summed weights under each voxel: the same for every batch item and channel.
  const count = new Float32Array(S);
  const ones = new Float32Array(R).fill(1);
  for (const o of origins) addWindow(count, o, ones, 0, 1);

  const total = N * origins.length;
  let out: Float32Array | null = null;
  let K = 0;
  noGrad(() => {
    for (let first = 0; first < total; first += batchSize) {
      const B = Math.min(batchSize, total - first);
      // Window first + b: batch item n, at offset o of its padded volume.
      const item = (b: number): [number, number] => [Math.floor((first + b) / origins.length), origins[(first + b) % origins.length]];
      const batch = new Float32Array(B * C * R);
      for (let b = 0; b < B; b++) {
        const [n, o] = item(b);
        copyBox([C, rd, rh, rw], vol, n * C * S + o, volSt, batch, b * C * R, winSt);
      }
      const pred = predictor(new Tensor(batch, [B, C, rd, rh, rw], 'float32'));
      if (!(pred instanceof Tensor) || pred.dtype !== 'float32' || pred.shape.length !== 5 || pred.shape[0] !== B ||
          pred.shape[2] !== rd || pred.shape[3] !== rh || pred.shape[4] !== rw) {
        throw new ShapeError(
          `${fn}: predictor must map windows [${B}, ${C}, ${rd}, ${rh}, ${rw}] to float32 [${B}, K, ${rd}, ${rh}, ${rw}], got ` +
            (pred instanceof Tensor ? `${pred.dtype} ${shapeStr(pred.shape)}` : String(pred)),
        );
      }
      if (!out) {
        K = pred.shape[1];
        out = new Float32Array(N * K * S);
      } else if (pred.shape[1] !== K) {
        throw new ShapeError(`${fn}: predictor returned ${pred.shape[1]} channels after ${K} on earlier windows`);
      }
      for (let b = 0; b < B; b++) {
        const [n, o] = item(b);
        addWindow(out, n * K * S + o, pred.data, b * K * R, K);
      }
      onProgress?.(first + B, total);
    }
  });
  const acc = out as unknown as Float32Array;
  for (let nk = 0; nk < N * K; nk++) {
    const o = nk * S;
    for (let i = 0; i < S; i++) acc[o + i] /= count[i];
  }
  const blended = new Tensor(acc, [N, K, D, H, W], 'float32');
  // Negative pads crop the padding away again.
  return padded ? noGrad(() => F.pad(blended, pads.map((v) => -v))) : blended;
}
