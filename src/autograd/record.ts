import type { DType, Tensor } from '../tensor/tensor.js';
import { isGradEnabled } from './grad-mode.js';
// Recording a graph is what makes backward meaningful: loading it here installs Tensor.backward for
// every entry point, not only the package root.
import './backward.js';

/**
 * Attaches the op that produced `out` to the graph when grad mode is on and any input requires a
 * gradient. `backward` receives the output's gradient and returns one gradient (or null) per input,
 * each of its input's shape; it runs with recording off, so it may call ordinary ops.
 * Save shapes rather than tensors in the closure where shapes suffice: what it holds lives as long
 * as the graph.
 */
export function record<T extends Tensor<DType>>(
  out: T,
  name: string,
  inputs: readonly Tensor<DType>[],
  backward: (grad: Tensor) => readonly (Tensor | null)[],
): T {
  if (!needsGrad(...inputs)) return out;
  out.requiresGrad = true;
  out.gradFn = { name, inputs: inputs as Tensor[], backward };
  return out;
}

/** True when an op's result will be recorded (ops use it to skip saving what backward needs). */
export function needsGrad(...inputs: readonly Tensor<DType>[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/**
 * `record` for rules written outside this package (exported as `record`). Such a rule may keep the gradient
 * it receives or return a tensor it also keeps, so the engine never reuses those buffers (see backward.ts).
 */
export function recordCustom<T extends Tensor<DType>>(
  out: T,
  name: string,
  inputs: readonly Tensor<DType>[],
  backward: (grad: Tensor) => readonly (Tensor | null)[],
): T {
  const r = record(out, name, inputs, backward);
  if (r.gradFn) r.gradFn.custom = true;
  return r;
}
