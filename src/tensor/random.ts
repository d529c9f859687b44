import { ValueError } from '../util/errors.js';
import { numel } from '../util/shape.js';
import { Tensor } from './tensor.js';

/**
 * A seedable generator (xoshiro128**, seeded by splitmix32). Everything random in the library draws
 * from `defaultGenerator` unless given its own, so `manualSeed(n)` makes a run reproducible.
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed = 0) {
    this.seed(seed);
  }

  seed(seed: number): void {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spare = null;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [low, high). */
  int(low: number, high: number): number {
    if (high <= low) throw new ValueError(`Generator.int: empty range [${low}, ${high})`);
    return low + Math.floor(this.uniform() * (high - low));
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export const defaultGenerator = new Generator(0);

/** Seeds the default generator, as `torch.manual_seed`. */
export function manualSeed(seed: number): void {
  defaultGenerator.seed(seed);
}

export interface RandomOptions {
  requiresGrad?: boolean;
  generator?: Generator;
}

/** Standard-normal tensor. */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  const g = opts.generator ?? defaultGenerator;
  const d = new Float32Array(numel(shape));
  for (let i = 0; i < d.length; i++) d[i] = g.normal();
  return new Tensor(d, shape, 'float32', opts.requiresGrad ?? false);
}

/** Uniform [low, high) tensor (default [0, 1)). */
export function rand(shape: readonly number[], opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const g = opts.generator ?? defaultGenerator;
  const low = opts.low ?? 0;
  const span = (opts.high ?? 1) - low;
  const d = new Float32Array(numel(shape));
  for (let i = 0; i < d.length; i++) d[i] = low + span * g.uniform();
  return new Tensor(d, shape, 'float32', opts.requiresGrad ?? false);
}

/** Uniform integers in [low, high), int32. */
export function randint(low: number, high: number, shape: readonly number[], opts: RandomOptions = {}): Tensor<'int32'> {
  const g = opts.generator ?? defaultGenerator;
  const d = new Int32Array(numel(shape));
  for (let i = 0; i < d.length; i++) d[i] = g.int(low, high);
  return new Tensor(d, shape, 'int32');
}
