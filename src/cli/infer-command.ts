import { existsSync } from 'node:fs';
import { readNifti, writeNifti } from '../io/nifti.js';
import { checkModelSpec, type ModelSpec } from '../models/spec.js';
import { checkWindow, loadSegmenter, segmentVolume, type Normalization } from '../train/infer.js';
import { Progress } from '../train/progress.js';
import { ValueError } from '../util/errors.js';
import { type Command, intFlag } from './run.js';

function numberFlag(v: string | boolean | undefined, name: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new ValueError(`--${name} must be a number, got '${String(v)}'`);
  return n;
}

function roiFlag(v: string | boolean | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const parts = String(v).split(',').map(Number);
  if (!(parts.length === 1 || parts.length === 3) || !parts.every((p) => Number.isInteger(p) && p > 0)) {
    throw new ValueError(`--roi must be one positive integer or three (D,H,W), got '${String(v)}'`);
  }
  return parts.length === 1 ? [parts[0], parts[0], parts[0]] : parts;
}

function normalizeFlag(v: string | boolean | undefined): Normalization {
  if (v === undefined || v === 'none' || v === 'zscore' || v === 'minmax') return (v ?? 'none') as Normalization;
  const m = /^window:(-?[\d.eE+-]+),(-?[\d.eE+-]+)$/.exec(String(v));
  if (m && Number.isFinite(Number(m[1])) && Number.isFinite(Number(m[2]))) return { window: [Number(m[1]), Number(m[2])] };
  throw new ValueError(`--normalize must be none, zscore, minmax or window:LO,HI (e.g. window:-1000,400), got '${String(v)}'`);
}

/** The architecture from flags, when --model is given (else the checkpoint's own). */
function specFromFlags(values: Record<string, string | boolean | undefined>): ModelSpec | undefined {
  if (values.model === undefined) {
    for (const k of ['classes', 'in-channels', 'width', 'convert', 'axis']) {
      if (values[k] !== undefined) throw new ValueError(`--${k} describes the architecture and needs --model too`);
    }
    return undefined;
  }
  const spec = {
    name: String(values.model),
    numClasses: intFlag(values.classes, 'classes', 0, 1),
    inChannels: intFlag(values['in-channels'], 'in-channels', 1, 1),
    width: values.width === undefined ? undefined : numberFlag(values.width, 'width', 1),
    convert: String(values.convert ?? (values.model === 'acsUNet' ? 'none' : 'acs')),
    axis: values.axis === undefined ? undefined : intFlag(values.axis, 'axis', 2, 2),
  };
  if (values.classes === undefined) throw new ValueError('--model needs --classes (the number of output classes)');
  return checkModelSpec(spec, 'flags');
}

function niftiPath(v: string | boolean | undefined, flag: string): string | undefined {
  if (v === undefined) return undefined;
  const p = String(v);
  if (!/\.nii(\.gz)?$/.test(p)) throw new ValueError(`--${flag} must end in .nii or .nii.gz, got '${p}'`);
  return p;
}

export const inferCommand: Command = {
  name: 'infer',
  summary: 'segment a NIfTI scan with a trained 3D model (sliding windows), writing a NIfTI label map',
  usage: 'acs infer <scan.nii[.gz]> --checkpoint <file.safetensors> --out <labels.nii[.gz]> [options]',
  allowPositionals: true,
  options: {
    checkpoint: { type: 'string', description: 'weights: a checkpoint from `acs poc` / saveCheckpoint, or a state dict' },
    out: { type: 'string', description: 'label map to write (.nii or .nii.gz): uint8, or int16 above 256 classes' },
    probabilities: { type: 'string', description: 'also write the class probabilities, float32 [x, y, z, class]' },
    roi: { type: 'string', description: 'window size: D or D,H,W (default: the size the model trained on, else 64)' },
    overlap: { type: 'string', description: 'fraction of a window shared with the next, in [0, 1) (default 0.25)' },
    blend: { type: 'string', description: 'constant or gaussian (default gaussian)' },
    batch: { type: 'string', description: 'windows per forward pass (default 1)' },
    normalize: { type: 'string', description: 'none, zscore, minmax or window:LO,HI (default none)' },
    model: { type: 'string', description: 'architecture, when the checkpoint does not name one: unet, unetTransposed, fcnResnet18, acsUNet' },
    classes: { type: 'string', description: 'with --model: output classes' },
    'in-channels': { type: 'string', description: 'with --model: input channels (default 1)' },
    width: { type: 'string', description: 'with --model: channel multiplier of unet / acsUNet (default 1)' },
    convert: { type: 'string', description: 'with --model: acs, 2.5d or 3d (default acs; none for acsUNet)' },
    axis: { type: 'string', description: 'with --model and --convert 2.5d: the unit-kernel axis, 2 (D), 3 (H) or 4 (W)' },
    quiet: { type: 'boolean', description: 'no progress output' },
  },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new ValueError(`give exactly one input scan, got ${positionals.length}`);
    const input = positionals[0];
    if (!existsSync(input)) throw new ValueError(`input scan not found: ${input}`);
    if (typeof values.checkpoint !== 'string') throw new ValueError('--checkpoint is required');
    const out = niftiPath(values.out, 'out');
    if (!out) throw new ValueError('--out is required');
    const probsPath = niftiPath(values.probabilities, 'probabilities');
    const blend = String(values.blend ?? 'gaussian');
    if (blend !== 'constant' && blend !== 'gaussian') throw new ValueError(`--blend must be constant or gaussian, got '${blend}'`);
    const overlap = numberFlag(values.overlap, 'overlap', 0.25);
    if (!(overlap >= 0 && overlap < 1)) throw new ValueError(`--overlap must be in [0, 1), got ${overlap}`);
    const batchSize = intFlag(values.batch, 'batch', 1, 1);
    const normalize = normalizeFlag(values.normalize);
    const roi = roiFlag(values.roi);
    const spec = specFromFlags(values);
    // Everything that can be checked is checked before the scan is read and the model run.
    const seg = loadSegmenter(values.checkpoint, spec);
    if (roi) checkWindow(seg.spec, roi);
    const scan = readNifti(input);
    let progress: Progress | null = null;
    let reported = 0;
    const t0 = performance.now();
    const { probabilities, labels } = segmentVolume(seg, scan.data, {
      roiSize: roi,
      overlap,
      mode: blend,
      batchSize,
      normalize,
      probabilities: Boolean(probsPath),
      onProgress: (done, all) => {
        progress ??= new Progress('infer (windows)', all, process.stderr, Boolean(values.quiet));
        progress.tick(done - reported);
        reported = done;
      },
    });
    const k = seg.spec.numClasses;
    // The scan's own transform codes (0 when it had none) keep the label map where the scan is.
    const xformCode = scan.sformCode > 0 ? scan.sformCode : scan.qformCode;
    const place = { affine: scan.affine, xformCode: xformCode >= 0 && xformCode <= 4 ? xformCode : 1, xyzUnits: scan.xyzUnits };
    writeNifti(out, labels, { ...place, datatype: k <= 256 ? 'uint8' : 'int16', description: 'acs infer labels' });
    if (probsPath && probabilities) {
      // [K, D, H, W] is NIfTI's (x, y, z, class): the class is the 4th dimension.
      writeNifti(probsPath, probabilities, { ...place, pixdim: [...scan.pixdim.slice(0, 3), 1], description: 'acs infer probabilities' });
    }
    const counts = new Array<number>(k).fill(0);
    for (const l of labels.data) counts[l]++;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    process.stdout.write(
      `Segmented ${input} (${scan.dims.slice(0, 3).join('×')} voxels) with ${JSON.stringify(seg.spec)} in ${secs} s\n` +
        `voxels per class: ${counts.map((n, i) => `${i}: ${n}`).join(', ')}\n` +
        `Wrote ${out}${probsPath ? ` and ${probsPath}` : ''}\n`,
    );
    return 0;
  },
};
