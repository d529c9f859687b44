/** Pooling layers after torch.nn: MaxPool2d/3d, AvgPool2d/3d, AdaptiveAvgPool2d/3d, AdaptiveMaxPool2d/3d. */
import {
  type AdaptiveSize,
  type IntOrTuple,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
  avgPool2d,
  avgPool3d,
  maxPool2d,
  maxPool3d,
} from '../ops/pool.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Python's repr of an option value, so extraRepr reads as PyTorch's. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return v.length === 1 ? `(${pyRepr(v[0])},)` : `(${v.map(pyRepr).join(', ')})`;
  return String(v);
}

/** Python's repr of a float (1e-05, 0.1, 2.0). */
export function pyFloat(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  if (v !== 0 && Math.abs(v) < 1e-4) return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(v);
}

type PoolIn<T> = Readonly<T>;

export interface MaxPoolLayerOptions {
  stride?: IntOrTuple | null;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  ceilMode?: boolean;
}

abstract class MaxPoolNd extends Module {
  readonly kernelSize: IntOrTuple;
  /** As PyTorch: the kernel size when not given. */
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple;
  readonly dilation: IntOrTuple;
  readonly ceilMode: boolean;

  constructor(kernelSize: IntOrTuple, opts: PoolIn<MaxPoolLayerOptions> = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.ceilMode = opts.ceilMode ?? false;
  }

  protected get opts(): MaxPoolLayerOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }

  override extraRepr(): string {
    return `kernel_size=${pyRepr(this.kernelSize)}, stride=${pyRepr(this.stride)}, padding=${pyRepr(this.padding)}, dilation=${pyRepr(this.dilation)}, ceil_mode=${pyRepr(this.ceilMode)}`;
  }
}

/** Max pooling over `[N, C, H, W]` (`torch.nn.MaxPool2d`). */
export class MaxPool2d extends MaxPoolNd {
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.opts);
  }
}

/** Max pooling over `[N, C, D, H, W]` (`torch.nn.MaxPool3d`). */
export class MaxPool3d extends MaxPoolNd {
  forward(x: Tensor): Tensor {
    return maxPool3d(x, this.kernelSize, this.opts);
  }
}

export interface AvgPoolLayerOptions {
  stride?: IntOrTuple | null;
  padding?: IntOrTuple;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

abstract class AvgPoolNd extends Module {
  readonly kernelSize: IntOrTuple;
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: IntOrTuple, opts: PoolIn<AvgPoolLayerOptions> = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
  }

  protected get opts(): AvgPoolLayerOptions {
    return { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad };
  }

  override extraRepr(): string {
    return `kernel_size=${pyRepr(this.kernelSize)}, stride=${pyRepr(this.stride)}, padding=${pyRepr(this.padding)}`;
  }
}

/** Average pooling over `[N, C, H, W]` (`torch.nn.AvgPool2d`, no divisor_override). */
export class AvgPool2d extends AvgPoolNd {
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.opts);
  }
}

/** Average pooling over `[N, C, D, H, W]` (`torch.nn.AvgPool3d`, no divisor_override). */
export class AvgPool3d extends AvgPoolNd {
  forward(x: Tensor): Tensor {
    return avgPool3d(x, this.kernelSize, this.opts);
  }
}

abstract class AdaptivePoolNd extends Module {
  readonly outputSize: AdaptiveSize;

  constructor(outputSize: AdaptiveSize) {
    super();
    this.outputSize = typeof outputSize === 'number' ? outputSize : Object.freeze([...outputSize]);
  }

  override extraRepr(): string {
    return `output_size=${pyRepr(this.outputSize)}`;
  }
}

/** Adaptive average pooling to `outputSize` over `[N, C, H, W]` (`torch.nn.AdaptiveAvgPool2d`). */
export class AdaptiveAvgPool2d extends AdaptivePoolNd {
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}

/** Adaptive average pooling to `outputSize` over `[N, C, D, H, W]` (`torch.nn.AdaptiveAvgPool3d`). */
export class AdaptiveAvgPool3d extends AdaptivePoolNd {
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool3d(x, this.outputSize);
  }
}

/** Adaptive max pooling to `outputSize` over `[N, C, H, W]` (`torch.nn.AdaptiveMaxPool2d`). */
export class AdaptiveMaxPool2d extends AdaptivePoolNd {
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.outputSize);
  }
}

/** Adaptive max pooling to `outputSize` over `[N, C, D, H, W]` (`torch.nn.AdaptiveMaxPool3d`). */
export class AdaptiveMaxPool3d extends AdaptivePoolNd {
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool3d(x, this.outputSize);
  }
}
