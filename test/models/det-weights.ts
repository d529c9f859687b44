/**
 * Deterministic weights shared with scripts/fixtures/gen_models.py (`det_values`): an integer hash of
 * (key, index), so fixtures need not store full-size weights. Same float64 arithmetic as numpy.
 */
import { Tensor, nn } from '../../src/index.js';

type Module = nn.Module;

function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(key, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function detValues(key: string, shape: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const seed = fnv1a(key);
  const out = new Float32Array(n);
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    let h = (Math.imul(i, 0x9e3779b9) + seed) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    const u = (h / 4294967296) * 2 - 1;
    let v: number;
    if (key.endsWith('running_var')) v = 0.75 + 0.25 * u;
    else if (key.endsWith('running_mean') || key.endsWith('bias')) v = 0.1 * u;
    else if (key.endsWith('weight') && shape.length === 1) v = 1 + 0.1 * u;
    else if (key.endsWith('weight')) v = u * Math.sqrt(6 / fanIn);
    else v = u;
    out[i] = v;
  }
  return out;
}

/** Fills every float parameter and buffer of `m` with `detValues(key, shape)`; returns m in eval mode. */
export function detFill<M extends Module>(m: M): M {
  for (const [k, t] of m.stateDict()) if (t.dtype === 'float32') t.data.set(detValues(k, t.shape));
  return m.eval();
}

export function detTensor(key: string, shape: number[]): Tensor {
  return new Tensor(detValues(key, shape), shape, 'float32');
}

/** max |a − b| relative to max |b|: one number that stays meaningful for outputs of any magnitude. */
export function relErr(a: Tensor, b: Tensor): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.size; i++) {
    err = Math.max(err, Math.abs(a.data[i] - b.data[i]));
    scale = Math.max(scale, Math.abs(b.data[i]));
  }
  return err / (scale || 1);
}
