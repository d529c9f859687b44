/** Weight initialisation, after `torch.nn.init` (in place; draws from the default generator). */
import { ValueError } from '../util/errors.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

/** fan_in and fan_out as PyTorch computes them: dims 0 and 1 times the receptive field size. */
export function calculateFanInAndFanOut(shape: readonly number[]): [number, number] {
  if (shape.length < 2) throw new ValueError(`init: fan in/out needs a tensor of rank >= 2, got rank ${shape.length}`);
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return [shape[1] * receptive, shape[0] * receptive];
}

export function uniform_(t: Tensor, low: number, high: number, g: Generator = defaultGenerator): Tensor {
  for (let i = 0; i < t.size; i++) t.data[i] = low + (high - low) * g.uniform();
  return t;
}

export function normal_(t: Tensor, mean = 0, std = 1, g: Generator = defaultGenerator): Tensor {
  for (let i = 0; i < t.size; i++) t.data[i] = mean + std * g.normal();
  return t;
}

export function constant_(t: Tensor, v: number): Tensor {
  t.data.fill(v);
  return t;
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

type Nonlinearity = 'relu' | 'leaky_relu' | 'linear' | 'sigmoid' | 'tanh';

function gain(nonlinearity: Nonlinearity, a: number): number {
  switch (nonlinearity) {
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu':
      return Math.sqrt(2 / (1 + a * a));
    case 'tanh':
      return 5 / 3;
    default:
      return 1;
  }
}

export interface KaimingOptions {
  a?: number;
  mode?: 'fanIn' | 'fanOut';
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

/** `kaiming_uniform_`; PyTorch's default for conv and linear weights is `{ a: Math.sqrt(5) }`. */
export function kaimingUniform_(t: Tensor, { a = 0, mode = 'fanIn', nonlinearity = 'leaky_relu', generator }: KaimingOptions = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t.shape);
  const std = gain(nonlinearity, a) / Math.sqrt(mode === 'fanIn' ? fanIn : fanOut);
  const bound = Math.sqrt(3) * std;
  return uniform_(t, -bound, bound, generator);
}

export function kaimingNormal_(t: Tensor, { a = 0, mode = 'fanIn', nonlinearity = 'leaky_relu', generator }: KaimingOptions = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t.shape);
  return normal_(t, 0, gain(nonlinearity, a) / Math.sqrt(mode === 'fanIn' ? fanIn : fanOut), generator);
}

export function xavierUniform_(t: Tensor, gainValue = 1, g: Generator = defaultGenerator): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t.shape);
  const bound = gainValue * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, g);
}

/**
 * PyTorch's default initialisation of a conv/linear layer (`reset_parameters`): weight
 * kaiming-uniform with a = √5, bias uniform in ±1/√fan_in. `fanShape` is the shape PyTorch would
 * compute fan-in from (the weight's own shape for ordinary layers).
 */
export function defaultLayerInit_(weight: Tensor, bias: Tensor | null, fanShape: readonly number[] = weight.shape): void {
  const [fanIn] = calculateFanInAndFanOut(fanShape);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  const wb = Math.sqrt(3) * gain('leaky_relu', Math.sqrt(5)) / Math.sqrt(fanIn);
  uniform_(weight, -wb, wb);
  if (bias) uniform_(bias, -bound, bound);
}
