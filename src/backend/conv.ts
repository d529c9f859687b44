import { allocF32Uninit } from './alloc.js';
import { channelSum } from './elementwise.js';
import { ShapeError, ValueError } from '../util/errors.js';
import { native } from './binding.js';

/**
 * The geometry of one convolution over (D, H, W); a 2-D convolution has D = 1 with a unit kernel,
 * stride and dilation and no padding along D. `inSize` is the convolution's input, `outSize` its output
 * (for a transposed convolution these are the other way round: its output is `inSize`).
 */
export interface ConvGeometry {
  n: number;
  cin: number;
  cout: number;
  groups: number;
  inSize: readonly number[];
  outSize: readonly number[];
  kernel: readonly number[];
  stride: readonly number[];
  padding: readonly number[];
  dilation: readonly number[];
}

const prod = (a: readonly number[]): number => a.reduce((x, y) => x * y, 1);

function checkGeom(g: ConvGeometry, op: string): number[] {
  const posInt = (v: number, name: string, min = 1): void => {
    if (!Number.isInteger(v) || v < min) throw new ValueError(`${op}: ${name} must be an integer >= ${min}, got ${v}`);
  };
  posInt(g.n, 'batch size', 0);
  posInt(g.cin, 'input channels');
  posInt(g.cout, 'output channels');
  posInt(g.groups, 'groups');
  if (g.cin % g.groups || g.cout % g.groups) {
    throw new ValueError(`${op}: groups ${g.groups} must divide input channels ${g.cin} and output channels ${g.cout}`);
  }
  const triples: [string, readonly number[], number][] = [
    ['inSize', g.inSize, 1],
    ['outSize', g.outSize, 1],
    ['kernel', g.kernel, 1],
    ['stride', g.stride, 1],
    ['padding', g.padding, 0],
    ['dilation', g.dilation, 1],
  ];
  const flat = [g.n, g.cin, g.cout, g.groups];
  for (const [name, t, min] of triples) {
    if (t.length !== 3) throw new ShapeError(`${op}: ${name} must have 3 entries (D, H, W), got [${t.join(', ')}]`);
    for (const v of t) posInt(v, name, min);
    flat.push(...t);
  }
  return flat;
}

function checkLen(a: Float32Array, n: number, op: string, name: string): void {
  if (a.length !== n) throw new ShapeError(`${op}: ${name} has ${a.length} elements, expected ${n}`);
}

const weightSize = (g: ConvGeometry): number => g.cout * (g.cin / g.groups) * prod(g.kernel);

/** out [N, Cout, oD, oH, oW] = conv(x [N, Cin, D, H, W], w [Cout, Cin/groups, kD, kH, kW]) + b [Cout]. */
export function convForward(g: ConvGeometry, x: Float32Array, w: Float32Array, b: Float32Array | null): Float32Array {
  const geom = checkGeom(g, 'convForward');
  checkLen(x, g.n * g.cin * prod(g.inSize), 'convForward', 'input');
  checkLen(w, weightSize(g), 'convForward', 'weight');
  if (b) checkLen(b, g.cout, 'convForward', 'bias');
  const out = allocF32Uninit(g.n * g.cout * prod(g.outSize)); // every element written
  native.convForward(geom, x, w, b, out);
  return out;
}

/**
 * The input gradient of conv (dx [N, Cin, D, H, W] from dout [N, Cout, oD, oH, oW]); with `b` [Cin] added
 * per channel this is the forward of the transposed convolution.
 */
export function convBackwardInput(
  g: ConvGeometry,
  dout: Float32Array,
  w: Float32Array,
  b: Float32Array | null = null,
): Float32Array {
  const geom = checkGeom(g, 'convBackwardInput');
  checkLen(dout, g.n * g.cout * prod(g.outSize), 'convBackwardInput', 'output gradient');
  checkLen(w, weightSize(g), 'convBackwardInput', 'weight');
  if (b) checkLen(b, g.cin, 'convBackwardInput', 'bias');
  const dx = allocF32Uninit(g.n * g.cin * prod(g.inSize)); // cleared natively, in parallel
  native.convBackwardInput(geom, dout, w, dx, b);
  return dx;
}

/** The weight gradient of conv: dw [Cout, Cin/groups, kD, kH, kW] from x and dout. */
export function convBackwardWeight(g: ConvGeometry, x: Float32Array, dout: Float32Array): Float32Array {
  const geom = checkGeom(g, 'convBackwardWeight');
  checkLen(x, g.n * g.cin * prod(g.inSize), 'convBackwardWeight', 'input');
  checkLen(dout, g.n * g.cout * prod(g.outSize), 'convBackwardWeight', 'output gradient');
  const dw = allocF32Uninit(weightSize(g)); // every element written
  native.convBackwardWeight(geom, x, dout, dw);
  return dw;
}

/** The bias gradient: db [C] = sum of dout [N, C, spatial] over N and space. */
export function convBackwardBias(dout: Float32Array, n: number, c: number, spatial: number): Float32Array {
  for (const [name, v] of [['n', n], ['c', c], ['spatial', spatial]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ValueError(`convBackwardBias: ${name} must be a non-negative integer, got ${v}`);
  }
  checkLen(dout, n * c * spatial, 'convBackwardBias', 'output gradient');
  return channelSum(dout, null, n, c, spatial);
}
