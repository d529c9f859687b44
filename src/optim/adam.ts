import { adamUpdate } from '../backend/optim.js';
import { ValueError } from '../util/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { checkNonNegative, gradOf, Optimizer, type ParamsInput, type ParamState } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  [key: string]: unknown;
}

/** Shared by Adam and AdamW: they differ only in how weight decay enters (L2 on g vs decoupled on p). */
abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected validate(o: AdamOptions, name: string): void {
    checkNonNegative(o.lr, 'lr', name);
    checkNonNegative(o.eps, 'eps', name);
    checkNonNegative(o.weightDecay, 'weightDecay', name);
    const b = o.betas;
    if (!Array.isArray(b) || b.length !== 2 || !b.every((v) => typeof v === 'number' && v >= 0 && v < 1)) {
      throw new ValueError(`${name}: betas must be two numbers in [0, 1), got ${JSON.stringify(b)}`);
    }
  }

  step(): void {
    const name = this.constructor.name;
    for (const { params, options: o } of this.paramGroups) {
      const { lr, eps, weightDecay: wd, amsgrad } = o;
      const [beta1, beta2] = o.betas;
      const sign = o.maximize ? -1 : 1;
      for (const p of params) {
        const g = gradOf(p, name);
        if (!g) continue;
        const s = this.stateOf(p, () => {
          const st: ParamState = {
            step: 0,
            exp_avg: new Tensor(new Float32Array(p.size), p.shape, 'float32'),
            exp_avg_sq: new Tensor(new Float32Array(p.size), p.shape, 'float32'),
          };
          if (amsgrad) st.max_exp_avg_sq = new Tensor(new Float32Array(p.size), p.shape, 'float32');
          return st;
        });
        const step = (s.step as number) + 1;
        s.step = step;
        const m = (s.exp_avg as Tensor).data;
        const v = (s.exp_avg_sq as Tensor).data;
        let vmax: Float32Array | null = null;
        if (amsgrad) {
          if (!(s.max_exp_avg_sq instanceof Tensor)) s.max_exp_avg_sq = new Tensor(new Float32Array(p.size), p.shape, 'float32');
          vmax = s.max_exp_avg_sq.data;
        }
        // Scalars in double, exactly as torch's Python-side formulas.
        adamUpdate(p.data, g, m, v, vmax, {
          decay: this.decoupled ? 1 - lr * wd : 1,
          l2: this.decoupled ? 0 : wd,
          sign,
          beta1,
          beta2,
          stepSize: lr / (1 - beta1 ** step),
          bc2Sqrt: Math.sqrt(1 - beta2 ** step),
          eps,
        });
      }
    }
  }
}

/**
 * Adam, as `torch.optim.Adam` (1.13, single-tensor path): L2 weight decay added to the gradient;
 * `p −= lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps)`; `amsgrad` uses the running max of v.
 * State per parameter: `step`, `exp_avg`, `exp_avg_sq` (and `max_exp_avg_sq`).
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(
    params: ParamsInput<AdamOptions>,
    { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false, maximize = false }: Partial<AdamOptions> = {},
  ) {
    super(params, { lr, betas, eps, weightDecay, amsgrad, maximize }, 'Adam');
  }
}

/**
 * AdamW, as `torch.optim.AdamW` (1.13): decoupled weight decay `p *= 1 − lr·wd` before the Adam
 * update (default `weightDecay` 1e-2); otherwise as Adam.
 */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(
    params: ParamsInput<AdamOptions>,
    { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 1e-2, amsgrad = false, maximize = false }: Partial<AdamOptions> = {},
  ) {
    super(params, { lr, betas, eps, weightDecay, amsgrad, maximize }, 'AdamW');
  }
}
