import { noGrad } from '../autograd/grad-mode.js';
import type { Module } from '../nn/module.js';
import { zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';

/** One leaf layer in `summarize`: path, class, own parameter count, output shape and forward FLOPs. */
export interface SummaryRow {
  path: string;
  type: string;
  params: number;
  /** Output shape of the layer's last call; null when the forward pass did not reach it. */
  outputShape: number[] | null;
  /** Forward FLOPs (multiply-add = 2) summed over its calls; 0 for layers not modelled. */
  flops: number;
}

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

function weightShape(m: Module): readonly number[] | null {
  return m.getParameter('weight')?.shape ?? null;
}

/**
 * Forward FLOPs of one call (DESIGN §6 counts: a multiply-add is 2). Convolutions: 2·N·Cout·(Cin/g)·
 * kernel volume·output voxels, where ACS's kernel volume is k² (one plane per output channel) and
 * SoftACS computes all three planes; transposed: 2·Cin·(Cout/g)·kernel volume·input voxels.
 */
export function layerFlops(m: Module, x: Tensor, y: Tensor): number {
  const type = m.constructor.name;
  const w = weightShape(m);
  const outVox = prod(y.shape.slice(2));
  if (w && /Conv/.test(type)) {
    const kvol = prod(w.slice(2));
    if (/Transpose/.test(type)) return 2 * x.shape[0] * prod(w.slice(0, 2)) * kvol * prod(x.shape.slice(2));
    const per = 2 * y.shape[0] * w[0] * w[1] * kvol * outVox;
    return type === 'SoftACSConv' ? 3 * per : per;
  }
  if (w && type.endsWith('Linear')) return 2 * prod(y.shape.slice(0, -1)) * w[0] * w[1];
  if (/Norm/.test(type)) return 4 * y.size;
  if (/Pool/.test(type)) return x.size;
  if (/ReLU|Sigmoid|Tanh|GELU|SiLU|Hard|Softmax/.test(type)) return y.size;
  if (type === 'Upsample') return 8 * y.size;
  return 0;
}

/** Own parameter count of a module (its children excluded). */
function ownParams(m: Module): number {
  let n = 0;
  for (const [name, p] of m.namedParameters()) if (!name.includes('.')) n += p.size;
  return n;
}

/** Total parameter count of a model. */
export function countParameters(m: Module): number {
  return m.parameters().reduce((a, p) => a + p.size, 0);
}

/**
 * Runs one eval-mode forward pass of zeros of `inputShape` without gradients and reports every leaf
 * layer (`torchinfo.summary`-like). The model's training flag is restored afterwards.
 */
export function summarize(model: Module, inputShape: readonly number[]): SummaryRow[] {
  const rows = new Map<Module, SummaryRow>();
  const leaves = [...model.namedModules()].filter(([, m]) => m.children().length === 0);
  const wasTraining = model.modules().map((m) => m.training);
  for (const [path, m] of leaves) {
    if (rows.has(m)) continue;
    const row: SummaryRow = { path, type: m.constructor.name, params: ownParams(m), outputShape: null, flops: 0 };
    rows.set(m, row);
    const proto = Object.getPrototypeOf(m) as { forward: (x: Tensor, ...r: unknown[]) => Tensor };
    // an own property shadows the prototype's forward for this pass only; deleted below
    (m as unknown as { forward: unknown }).forward = (x: Tensor, ...rest: unknown[]): Tensor => {
      const y = proto.forward.call(m, x, ...rest);
      row.outputShape = [...y.shape];
      row.flops += layerFlops(m, x, y);
      return y;
    };
  }
  try {
    model.eval();
    noGrad(() => model.forward(zeros([...inputShape])));
  } finally {
    for (const m of rows.keys()) delete (m as unknown as { forward?: unknown }).forward;
    model.modules().forEach((m, i) => (m.training = wasTraining[i]));
  }
  return [...rows.values()];
}
