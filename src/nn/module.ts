import { DTypeError, ShapeError, ValueError } from '../util/errors.js';
import { sameShape, shapeStr } from '../util/shape.js';
import { type DType, Tensor } from '../tensor/tensor.js';

/** A trainable tensor: a leaf that requires grad and is registered by a Module. */
export class Parameter extends Tensor {
  constructor(data: Float32Array, shape: readonly number[], requiresGrad = true) {
    super(data, shape, 'float32', requiresGrad);
  }

  static from(t: Tensor, requiresGrad = true): Parameter {
    return new Parameter(t.data, t.shape, requiresGrad);
  }
}

/** Name → tensor, in PyTorch's state-dict order. */
export type StateDict = Map<string, Tensor<DType>>;

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * Base class of layers and models, after `torch.nn.Module`: explicit, ordered registries of
 * parameters, buffers and children; state-dict keys are PyTorch's (`layer1.0.bn1.running_mean`).
 * Subclasses register in the constructor and keep typed fields for use in `forward`.
 */
export abstract class Module {
  training = true;
  private readonly _parameters = new Map<string, Parameter | null>();
  private readonly _buffers = new Map<string, Tensor<DType> | null>();
  private readonly _nonPersistent = new Set<string>();
  private readonly _modules = new Map<string, Module>();

  abstract forward(x: Tensor, ...rest: unknown[]): Tensor;

  /** Registers (or replaces) a parameter under `name`; returns it for assignment to a field. */
  protected registerParameter<T extends Parameter | null>(name: string, p: T): T {
    checkName(name, this);
    this._parameters.set(name, p);
    return p;
  }

  /** Registers a buffer (state that is saved but not trained, e.g. `running_mean`). */
  protected registerBuffer<T extends Tensor<DType> | null>(name: string, t: T, persistent = true): T {
    checkName(name, this);
    this._buffers.set(name, t);
    if (!persistent) this._nonPersistent.add(name);
    return t;
  }

  /** Registers a child module; its parameters appear under `name.`. */
  protected registerModule<T extends Module>(name: string, m: T): T {
    checkName(name, this);
    this._modules.set(name, m);
    return m;
  }

  /** Sets training mode recursively (affects dropout and batch norm). */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  *namedChildren(): Generator<[string, Module]> {
    yield* this._modules.entries();
  }

  children(): Module[] {
    return [...this._modules.values()];
  }

  /** This module and every descendant, with dotted paths ('' for this one). */
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [n, m] of this._modules) yield* m.namedModules(prefix ? `${prefix}.${n}` : n);
  }

  modules(): Module[] {
    return [...this.namedModules()].map(([, m]) => m);
  }

  *namedParameters(prefix = ''): Generator<[string, Parameter]> {
    const seen = new Set<Parameter>();
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [n, p] of m._parameters) {
        if (p && !seen.has(p)) {
          seen.add(p);
          yield [path ? `${path}.${n}` : n, p];
        }
      }
    }
  }

  parameters(): Parameter[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  *namedBuffers(prefix = ''): Generator<[string, Tensor<DType>]> {
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [n, b] of m._buffers) if (b) yield [path ? `${path}.${n}` : n, b];
    }
  }

  /** Own (non-recursive) parameter by name. */
  getParameter(name: string): Parameter | null {
    return this._parameters.get(name) ?? null;
  }

  /** Own (non-recursive) buffer by name. */
  getBuffer(name: string): Tensor<DType> | null {
    return this._buffers.get(name) ?? null;
  }

  /** The descendant at a dotted path (`layer1.0.conv1`). */
  getSubmodule(path: string): Module {
    if (path === '') return this;
    let m: Module | undefined;
    for (const part of path.split('.')) {
      const next: Module | undefined = (m ?? this)._modules.get(part);
      if (!next) throw new ValueError(`getSubmodule: no module '${part}' in path '${path}'`);
      m = next;
    }
    return m ?? this;
  }

  /**
   * Replaces the child `name` with `m`, also in any field of this module that referenced the old
   * child (so `this.conv1` follows). Used by converters on a cloned tree.
   */
  replaceChild(name: string, m: Module): void {
    const old = this._modules.get(name);
    if (!old) throw new ValueError(`replaceChild: ${this.constructor.name} has no child '${name}'`);
    this._modules.set(name, m);
    remapFields(this, new Map<unknown, unknown>([[old, m]]));
  }

  /** State dict with PyTorch keys: own parameters, own persistent buffers, then children. */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    const visit = (m: Module, prefix: string): void => {
      for (const [n, p] of m._parameters) if (p) out.set(prefix + n, p);
      for (const [n, b] of m._buffers) if (b && !m._nonPersistent.has(n)) out.set(prefix + n, b);
      for (const [n, c] of m._modules) visit(c, `${prefix}${n}.`);
    };
    visit(this, '');
    return out;
  }

  /**
   * Copies values from `dict` into this module's parameters and buffers (by PyTorch key). Shape
   * mismatches are always an error; with `strict` (default), missing and unexpected keys are too,
   * listed by name. Returns the missing and unexpected keys.
   */
  loadStateDict(dict: StateDict | Record<string, Tensor<DType>>, { strict = true } = {}): LoadResult {
    const src: StateDict = dict instanceof Map ? dict : new Map(Object.entries(dict));
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !src.has(k));
    const unexpectedKeys = [...src.keys()].filter((k) => !own.has(k));
    const misShaped: string[] = [];
    for (const [k, t] of own) {
      const s = src.get(k);
      if (s && !sameShape(s.shape, t.shape)) misShaped.push(`${k}: expected ${shapeStr(t.shape)}, got ${shapeStr(s.shape)}`);
    }
    const problems: string[] = [];
    if (misShaped.length) problems.push(`mis-shaped keys:\n  ${misShaped.join('\n  ')}`);
    if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    if (problems.length) {
      throw new ShapeError(
        `loadStateDict(${this.constructor.name}): ${problems.join('\n')}` +
          (strict && !misShaped.length ? '\n(pass { strict: false } to load the matching keys only)' : ''),
      );
    }
    for (const [k, t] of own) {
      const s = src.get(k);
      if (!s) continue;
      if (t.dtype === 'float32') {
        if (s.dtype !== 'float32' && !k.endsWith('num_batches_tracked')) {
          throw new DTypeError(`loadStateDict: '${k}' must be float32, got ${s.dtype}`);
        }
        (t.data as Float32Array).set(s.data);
      } else {
        (t.data as Int32Array).set(s.data);
      }
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Zeroes (drops) the gradients of all parameters. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** A deep copy: new parameter and buffer storage, the same structure and field layout. */
  clone(): this {
    const map = new Map<unknown, unknown>();
    const copy = (m: Module): Module => {
      const c = Object.create(Object.getPrototypeOf(m) as object) as Module;
      map.set(m, c);
      for (const key of Object.keys(m)) (c as unknown as Record<string, unknown>)[key] = (m as unknown as Record<string, unknown>)[key];
      const params = new Map<string, Parameter | null>();
      for (const [n, p] of m._parameters) {
        const np = p ? new Parameter(p.data.slice(), p.shape, p.requiresGrad) : null;
        if (p) map.set(p, np);
        params.set(n, np);
      }
      const bufs = new Map<string, Tensor<DType> | null>();
      for (const [n, b] of m._buffers) {
        const nb = b ? b.clone() : null;
        if (b) map.set(b, nb);
        bufs.set(n, nb);
      }
      const mods = new Map<string, Module>();
      for (const [n, child] of m._modules) mods.set(n, copy(child));
      setPrivate(c, '_parameters', params);
      setPrivate(c, '_buffers', bufs);
      setPrivate(c, '_nonPersistent', new Set(m._nonPersistent));
      setPrivate(c, '_modules', mods);
      return c;
    };
    const root = copy(this);
    for (const m of map.values()) if (m instanceof Module) remapFields(m, map);
    return root as this;
  }

  /** Extra text for `toString()` (layer arguments), as PyTorch's `extra_repr`. */
  extraRepr(): string {
    return '';
  }

  toString(): string {
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (this._modules.size === 0) return `${head})`;
    const lines = [...this._modules].map(([n, m]) => `  (${n}): ${m.toString().split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }
}

function checkName(name: string, m: Module): void {
  if (!name || name.includes('.')) {
    throw new ValueError(`${m.constructor.name}: invalid registration name '${name}' (non-empty, no dots)`);
  }
}

function setPrivate(m: Module, key: string, v: unknown): void {
  (m as unknown as Record<string, unknown>)[key] = v;
}

/** Points own fields (and arrays of them) that hold old modules/tensors at their replacements. */
function remapFields(m: Module, map: Map<unknown, unknown>): void {
  const rec = m as unknown as Record<string, unknown>;
  for (const key of Object.keys(rec)) {
    if (key.startsWith('_')) continue;
    const v = rec[key];
    if (map.has(v)) rec[key] = map.get(v);
    else if (Array.isArray(v) && v.some((x) => map.has(x))) rec[key] = v.map((x) => (map.has(x) ? map.get(x) : x));
  }
}
