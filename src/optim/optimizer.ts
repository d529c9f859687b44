import { Tensor } from '../tensor/tensor.js';
import { DTypeError, ShapeError, ValueError } from '../util/errors.js';
import type { DType } from '../tensor/tensor.js';
import { sameShape, shapeStr } from '../util/shape.js';

/** Hyper-parameters of one parameter group (each optimizer adds its own; `lr` is common to all). */
export interface GroupOptions {
  lr: number;
  [key: string]: unknown;
}

/** A set of parameters trained with shared hyper-parameters, as PyTorch's `param_groups` entries. */
export interface ParamGroup<O extends GroupOptions = GroupOptions> {
  params: Tensor[];
  /** The group's hyper-parameters; schedulers change `options.lr` (and record `initialLr`). */
  options: O;
  /** The lr a scheduler started from (PyTorch's `initial_lr`), set by the first scheduler attached. */
  initialLr?: number;
}

/** What the constructors accept: a plain parameter list, or groups with per-group overrides. */
export type ParamsInput<O extends GroupOptions> = Iterable<Tensor> | Array<{ params: Iterable<Tensor> } & Partial<O>>;

/** Per-parameter state: float32 buffers (momentum, moments) and scalars (step). */
export type ParamState = Record<string, Tensor | number>;

/**
 * Serialisable optimizer state, as PyTorch's `optimizer.state_dict()`: `state` keyed by the parameter's
 * index over all groups in order (only parameters that have state), `paramGroups` the groups'
 * hyper-parameters with the indices of their parameters. Tensors are copies.
 */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  paramGroups: Array<Record<string, unknown> & { params: number[] }>;
}

/** Base of SGD, Adam and AdamW, after `torch.optim.Optimizer`. Updates `p.data` in place, never `p.grad`. */
export abstract class Optimizer<O extends GroupOptions = GroupOptions> {
  readonly paramGroups: ParamGroup<O>[] = [];
  /** State of each parameter that has been stepped (created lazily on its first update). */
  readonly state = new Map<Tensor, ParamState>();

  protected constructor(params: ParamsInput<O>, defaults: O, name: string) {
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new ValueError(`${name}: got an empty parameter list`);
    const grouped = !(list[0] instanceof Tensor);
    const groups = (grouped ? list : [{ params: list }]) as Array<{ params: Iterable<Tensor> } & Partial<O>>;
    const seen = new Set<Tensor>();
    groups.forEach((g, gi) => {
      if (!g || typeof g !== 'object' || !('params' in g)) {
        throw new ValueError(`${name}: param group ${gi} must be an object { params, ...options } or a Tensor`);
      }
      const ps = [...g.params];
      for (const p of ps) {
        if (!(p instanceof Tensor)) throw new ValueError(`${name}: param group ${gi} holds a non-tensor`);
        if (p.dtype !== 'float32') throw new DTypeError(`${name}: parameters must be float32, got ${p.dtype}`);
        if (seen.has(p)) throw new ValueError(`${name}: a parameter appears in more than one group (group ${gi})`);
        seen.add(p);
      }
      const options = { ...defaults } as O;
      for (const [k, v] of Object.entries(g)) {
        if (k === 'params') continue;
        if (!(k in defaults)) throw new ValueError(`${name}: unknown option '${k}' in param group ${gi}`);
        (options as Record<string, unknown>)[k] = v;
      }
      this.validate(options, name);
      this.paramGroups.push({ params: ps, options });
    });
  }

  /** Checks one group's hyper-parameters; throws ValueError naming the bad one. */
  protected abstract validate(o: O, name: string): void;

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  /** Drops the gradients of all parameters (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /** A snapshot of the state, safe to keep while training continues (see OptimizerStateDict). */
  stateDict(): OptimizerStateDict {
    const state: Record<number, ParamState> = {};
    const paramGroups: OptimizerStateDict['paramGroups'] = [];
    let idx = 0;
    for (const g of this.paramGroups) {
      const ids: number[] = [];
      for (const p of g.params) {
        const s = this.state.get(p);
        if (s) {
          const copy: ParamState = {};
          for (const [k, v] of Object.entries(s)) copy[k] = v instanceof Tensor ? v.clone() : v;
          state[idx] = copy;
        }
        ids.push(idx++);
      }
      const entry: Record<string, unknown> & { params: number[] } = { ...g.options, params: ids };
      if (g.initialLr !== undefined) entry.initialLr = g.initialLr;
      paramGroups.push(entry);
    }
    return { state, paramGroups };
  }

  /**
   * Restores a `stateDict()` taken from an optimizer over parameters of the same shapes, grouped the
   * same way; hyper-parameters (the scheduled lr included) come from the dict, as in PyTorch.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = this.constructor.name;
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new ValueError(
        `${name}.loadStateDict: the dict has ${sd.paramGroups.length} param groups, this optimizer ${this.paramGroups.length}`,
      );
    }
    const byIndex: Tensor[] = [];
    this.paramGroups.forEach((g, gi) => {
      const ids = sd.paramGroups[gi].params;
      if (ids.length !== g.params.length) {
        throw new ValueError(
          `${name}.loadStateDict: param group ${gi} has ${ids.length} parameters in the dict, ${g.params.length} here`,
        );
      }
      ids.forEach((id, k) => (byIndex[id] = g.params[k]));
    });
    const newState = new Map<Tensor, ParamState>();
    for (const [key, s] of Object.entries(sd.state)) {
      const p = byIndex[Number(key)];
      if (!p) throw new ValueError(`${name}.loadStateDict: state for parameter ${key}, which no group holds`);
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        if (v instanceof Tensor) {
          if (!sameShape(v.shape, p.shape)) {
            throw new ShapeError(
              `${name}.loadStateDict: state '${k}' of parameter ${key} has shape ${shapeStr(v.shape)}, the parameter ${shapeStr(p.shape)}`,
            );
          }
          copy[k] = v.clone();
        } else copy[k] = v;
      }
      newState.set(p, copy);
    }
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
    this.paramGroups.forEach((g, gi) => {
      const { params: _p, initialLr, ...opts } = sd.paramGroups[gi];
      for (const [k, v] of Object.entries(opts)) if (k in g.options) (g.options as Record<string, unknown>)[k] = v;
      if (typeof initialLr === 'number') g.initialLr = initialLr;
    });
  }

  /** The state of `p`, created by `init` on its first update. */
  protected stateOf(p: Tensor, init: () => ParamState): ParamState {
    let s = this.state.get(p);
    if (!s) {
      s = init();
      this.state.set(p, s);
    }
    return s;
  }
}

/** The gradient of `p` checked against its shape, or null when it has none (then it is skipped). */
export function gradOf(p: Tensor, name: string): Float32Array | null {
  const g = p.grad;
  if (!g) return null;
  if (g.size !== p.size) {
    throw new ShapeError(`${name}.step: gradient of shape ${shapeStr(g.shape)} for a parameter of shape ${shapeStr(p.shape)}`);
  }
  return g.data;
}

export function checkNonNegative(v: unknown, what: string, name: string): void {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
    throw new ValueError(`${name}: ${what} must be a finite number >= 0, got ${String(v)}`);
  }
}

/**
 * Splits a state dict into its tensors, keyed `state.<index>.<name>`, and a JSON string holding the
 * scalars (e.g. `step`) and the param groups: the two parts of a safetensors checkpoint (tensors and
 * `__metadata__`). Inverse: `unflattenOptimizerState`.
 */
export function flattenOptimizerState(sd: OptimizerStateDict): { tensors: Map<string, Tensor>; json: string } {
  const tensors = new Map<string, Tensor>();
  const scalars: Record<string, Record<string, number>> = {};
  for (const [idx, s] of Object.entries(sd.state)) {
    for (const [k, v] of Object.entries(s)) {
      if (v instanceof Tensor) tensors.set(`state.${idx}.${k}`, v);
      else (scalars[idx] ??= {})[k] = v;
    }
  }
  return { tensors, json: JSON.stringify({ scalars, paramGroups: sd.paramGroups }) };
}

/** Rebuilds a state dict from `flattenOptimizerState`'s parts (tensors may hold other keys too). */
export function unflattenOptimizerState(tensors: ReadonlyMap<string, Tensor<DType>>, json: string): OptimizerStateDict {
  let parsed: { scalars: Record<string, Record<string, number>>; paramGroups: OptimizerStateDict['paramGroups'] };
  try {
    parsed = JSON.parse(json) as typeof parsed;
  } catch (e) {
    throw new ValueError(`unflattenOptimizerState: metadata is not valid JSON (${(e as Error).message})`);
  }
  if (!parsed || !Array.isArray(parsed.paramGroups)) {
    throw new ValueError('unflattenOptimizerState: metadata has no paramGroups array');
  }
  const state: Record<number, ParamState> = {};
  for (const [idx, s] of Object.entries(parsed.scalars ?? {})) state[Number(idx)] = { ...s };
  for (const [key, t] of tensors) {
    const m = /^state\.(\d+)\.(.+)$/.exec(key);
    if (!m) continue;
    if (t.dtype !== 'float32') throw new DTypeError(`unflattenOptimizerState: '${key}' must be float32, got ${t.dtype}`);
    (state[Number(m[1])] ??= {})[m[2]] = t as Tensor;
  }
  return { state, paramGroups: parsed.paramGroups };
}
