import { sgdUpdate } from '../backend/optim.js';
import { Tensor } from '../tensor/tensor.js';
import { ValueError } from '../util/errors.js';
import { checkNonNegative, gradOf, Optimizer, type ParamsInput } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  [key: string]: unknown;
}

/**
 * Stochastic gradient descent with momentum, as `torch.optim.SGD` (1.13, single-tensor path):
 * `d = g + wd·p`; the momentum buffer starts as a copy of the first `d` (no dampening on that step),
 * then `buf = momentum·buf + (1 − dampening)·d`; Nesterov uses `d + momentum·buf`; `p −= lr·d`.
 * State per parameter: `momentum_buffer`.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(
    params: ParamsInput<SGDOptions>,
    { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false, maximize = false }: Partial<SGDOptions> & { lr: number },
  ) {
    super(params, { lr, momentum, dampening, weightDecay, nesterov, maximize }, 'SGD');
  }

  protected validate(o: SGDOptions, name: string): void {
    checkNonNegative(o.lr, 'lr', name);
    checkNonNegative(o.momentum, 'momentum', name);
    checkNonNegative(o.weightDecay, 'weightDecay', name);
    if (typeof o.dampening !== 'number' || !Number.isFinite(o.dampening)) {
      throw new ValueError(`${name}: dampening must be a finite number, got ${String(o.dampening)}`);
    }
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new ValueError(
        `${name}: nesterov needs momentum > 0 and dampening 0, got momentum ${o.momentum}, dampening ${o.dampening}`,
      );
    }
  }

  step(): void {
    for (const { params, options: o } of this.paramGroups) {
      const { lr, momentum, dampening, weightDecay, nesterov } = o;
      const scalars = { lr, momentum, dampening, weightDecay, sign: o.maximize ? -1 : 1, nesterov };
      for (const p of params) {
        const g = gradOf(p, 'SGD');
        if (!g) continue;
        if (momentum === 0) {
          sgdUpdate(p.data, g, null, scalars, false);
          continue;
        }
        const st = this.state.get(p);
        if (!st || !(st.momentum_buffer instanceof Tensor)) {
          // First step: the buffer is the (decayed) gradient itself, as PyTorch's clone(d_p).
          const buf = new Float32Array(p.size);
          this.state.set(p, { momentum_buffer: new Tensor(buf, p.shape, 'float32') });
          sgdUpdate(p.data, g, buf, scalars, true);
          continue;
        }
        sgdUpdate(p.data, g, st.momentum_buffer.data, scalars, false);
      }
    }
  }
}
