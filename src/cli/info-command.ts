import { ValueError } from '../util/errors.js';
import type { Module } from '../nn/module.js';
import * as convert from '../convert/index.js';
import * as models from '../models/index.js';
import type { Command } from './run.js';

/** Zoo constructors `acs info` knows, by the names the README uses. */
const ZOO: Record<string, (o: { numClasses?: number; inChannels?: number; weights?: string }) => Module> = {
  resnet18: models.resnet18,
  resnet34: models.resnet34,
  resnet50: models.resnet50,
  densenet121: models.densenet121,
  vgg11_bn: models.vgg11Bn,
  vgg16_bn: models.vgg16Bn,
  mobilenet_v3_small: models.mobilenetV3Small,
  unet: models.unet,
  unet_transposed: models.unetTransposed,
  fcn_resnet18: models.fcnResnet18,
  acs_unet: models.acsUNet,
};

const TARGETS = ['2d', 'acs', 'softacs', 'meanacs', '2.5d', '3d', 'i3d'] as const;

function parseShape(s: string): number[] {
  const dims = s.split(',').map((v) => Number(v.trim()));
  if (dims.some((d) => !Number.isInteger(d) || d < 1)) throw new ValueError(`--input must be comma-separated positive integers (C,D,H,W or C,H,W), got '${s}'`);
  return dims;
}

function fmtCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

export const infoCommand: Command = {
  name: 'info',
  summary: 'print a zoo model (optionally converted) layer by layer: output shapes, parameters, FLOPs',
  usage: `acs info <model> [--to ${TARGETS.join('|')}] [--input 1,48,48,48] [--classes N] [--weights FILE]`,
  allowPositionals: true,
  options: {
    to: { type: 'string', description: `conversion: ${TARGETS.join(', ')} (default: acs for a 3D --input, else 2d)` },
    input: { type: 'string', description: 'input shape without the batch: C,D,H,W (3D) or C,H,W (2D)' },
    classes: { type: 'string', description: 'numClasses of the model (default 2)' },
    weights: { type: 'string', description: 'safetensors state dict to load (PyTorch key names)' },
  },
  run: async (v, pos) => {
    const name = pos[0];
    if (!name || pos.length > 1) throw new ValueError(`expected one model name, one of: ${Object.keys(ZOO).join(', ')}`);
    const make = ZOO[name];
    if (!make) throw new ValueError(`unknown model '${name}'; known: ${Object.keys(ZOO).join(', ')}`);
    const input = parseShape(typeof v.input === 'string' ? v.input : name.includes('unet') ? '1,48,48,48' : '3,48,48,48');
    const is3d = input.length === 4;
    const to = (typeof v.to === 'string' ? v.to : is3d ? 'acs' : '2d') as (typeof TARGETS)[number];
    if (!TARGETS.includes(to)) throw new ValueError(`--to must be one of ${TARGETS.join(', ')}, got '${to}'`);
    if ((to === '2d') === is3d && name !== 'acs_unet') {
      throw new ValueError(`--to ${to} needs a ${to === '2d' ? '2D input C,H,W' : '3D input C,D,H,W'}, got --input ${input.join(',')}`);
    }
    const numClasses = typeof v.classes === 'string' ? Number(v.classes) : 2;
    const base = make({ numClasses, inChannels: input[0], weights: typeof v.weights === 'string' ? v.weights : undefined });
    const model =
      name === 'acs_unet' || to === '2d'
        ? base
        : to === 'acs'
          ? convert.toACS(base)
          : to === 'softacs' || to === 'meanacs'
            ? convert.toSoftACS(base, { mean: to === 'meanacs' })
            : to === '2.5d'
              ? convert.to2_5d(base)
              : convert.to3d(base, to === 'i3d' ? { i3dRepeatAxis: 2 } : {});
    model.eval();
    const rows = convert.summarize(model, [1, ...input]);
    const w = Math.max(5, ...rows.map((r) => r.path.length));
    const tw = Math.max(4, ...rows.map((r) => r.type.length));
    const lines = [
      `${name} → ${to}, input [1, ${input.join(', ')}]`,
      '',
      `${'layer'.padEnd(w)}  ${'type'.padEnd(tw)}  ${'output'.padEnd(22)}  ${'params'.padStart(9)}  ${'FLOPs'.padStart(10)}`,
      ...rows.map(
        (r) =>
          `${r.path.padEnd(w)}  ${r.type.padEnd(tw)}  ${(r.outputShape ? `[${r.outputShape.join(', ')}]` : '-').padEnd(22)}  ${fmtCount(r.params).padStart(9)}  ${fmtCount(r.flops).padStart(10)}`,
      ),
      '',
      `total: ${convert.countParameters(model).toLocaleString('en-US')} parameters, ${fmtCount(rows.reduce((a, r) => a + r.flops, 0))}FLOPs per forward pass`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
