import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { FormatError, UnsupportedError, ValueError } from '../util/errors.js';
import { shapeStr } from '../util/shape.js';
import { type DType, Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from './atomic.js';

/*
 * NIfTI-1 and NIfTI-2 volumes (.nii, .nii.gz, and NIfTI-1 .hdr/.img pairs), read into float32 tensors and
 * written from them. NIfTI stores voxel (i, j, k, t) at i + nx·(j + ny·(k + nz·t)), i fastest; our tensors
 * keep their last axis fastest, so a volume becomes a tensor of shape [nz, ny, nx] ([nt, nz, ny, nx] for a
 * series) with no reordering: tensor[k][j][i] is voxel (i, j, k). For a scan whose k axis runs
 * inferior–superior (the usual axial acquisition) the tensor's D axis is then that axis, and ACS's axial
 * part convolves within the axial slices (H × W = j × i), as the ACS convention expects.
 */

/** Storage types a NIfTI file may use; every one is read, and all but the 64-bit integers written. */
export type NiftiDatatype = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64';

type VoxelArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array;
interface VoxelArrayType {
  new (length: number): VoxelArray;
  readonly BYTES_PER_ELEMENT: number;
}

/** Each storage type: its NIfTI code, the typed array that holds it, and for integers the range it holds. */
const TYPES: Record<NiftiDatatype, { code: number; array: VoxelArrayType; range?: [number, number] }> = {
  uint8: { code: 2, array: Uint8Array, range: [0, 255] },
  int8: { code: 256, array: Int8Array, range: [-128, 127] },
  int16: { code: 4, array: Int16Array, range: [-32768, 32767] },
  uint16: { code: 512, array: Uint16Array, range: [0, 65535] },
  int32: { code: 8, array: Int32Array, range: [-2147483648, 2147483647] },
  uint32: { code: 768, array: Uint32Array, range: [0, 4294967295] },
  int64: { code: 1024, array: BigInt64Array },
  uint64: { code: 1280, array: BigUint64Array },
  float32: { code: 16, array: Float32Array },
  float64: { code: 64, array: Float64Array },
};
const BY_CODE = new Map(Object.entries(TYPES).map(([name, t]) => [t.code, name as NiftiDatatype]));
/** What writeNifti stores: every type but the 64-bit integers, which float32 values cannot fill. */
const WRITABLE = Object.keys(TYPES).filter((t) => t !== 'int64' && t !== 'uint64');

/** The codes the standard defines that this module cannot turn into one float per voxel. */
const UNSUPPORTED_DATATYPES: Record<number, string> = {
  1: 'binary (1 bit per voxel)',
  32: 'complex64',
  128: 'rgb24',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};

/** A NIfTI volume: its voxels as a float32 tensor and the header fields that place them in space. */
export interface NiftiImage {
  /** The voxel values, scaled by the header's slope and intercept: shape [nz, ny, nx] or [nt, nz, ny, nx], … (dims reversed). */
  data: Tensor;
  /** The header's dimensions in NIfTI order (nx, ny, nz, nt, …). */
  dims: number[];
  /** Voxel size along each of `dims` (pixdim[1…]): mm for the spatial axes when xyzUnits is 'mm'. */
  pixdim: number[];
  /**
   * 4×4 voxel-to-world matrix, row-major: world (x, y, z, 1) = affine · (i, j, k, 1), in the scanner's RAS+
   * frame. From the sform when its code is set, else the qform, else the voxel sizes alone (as nibabel).
   */
  affine: number[];
  /** How the file stored the voxels. */
  datatype: NiftiDatatype;
  /** NIfTI-1 or NIfTI-2. */
  version: 1 | 2;
  qformCode: number;
  sformCode: number;
  /** The scaling applied: value = stored · sclSlope + sclInter (1 and 0 when the file asks for none). */
  sclSlope: number;
  sclInter: number;
  /** Units of the spatial axes and of time, from xyzt_units ('unknown' when unset). */
  xyzUnits: 'unknown' | 'meter' | 'mm' | 'micron';
  timeUnits: 'unknown' | 'sec' | 'msec' | 'usec' | 'hz' | 'ppm' | 'rads';
  intentCode: number;
  description: string;
}

const SPACE_UNITS: Record<number, NiftiImage['xyzUnits']> = { 0: 'unknown', 1: 'meter', 2: 'mm', 3: 'micron' };
const TIME_UNITS: Record<number, NiftiImage['timeUnits']> = { 0: 'unknown', 8: 'sec', 16: 'msec', 24: 'usec', 32: 'hz', 40: 'ppm', 48: 'rads' };

/** The header fields this module uses, read from either version. */
interface RawHeader {
  version: 1 | 2;
  little: boolean;
  dims: number[];
  datatype: number;
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  xyztUnits: number;
  intentCode: number;
  description: string;
  qformCode: number;
  sformCode: number;
  quatern: number[];
  qoffset: number[];
  srow: number[];
  magic: string;
}

type Kind = 'u8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64';
/** A header field: byte offset and element type (arrays step by the element's size). */
type Field = readonly [number, Kind];
const KIND_BYTES: Record<Kind, number> = { u8: 1, i16: 2, i32: 4, i64: 8, f32: 4, f64: 8 };

/** Where each field lies in the two header versions (the standard's nifti1.h and nifti2.h). */
const LAYOUT = {
  1: {
    size: 348, dim: [40, 'i16'], datatype: [70, 'i16'], bitpix: [72, 'i16'], pixdim: [76, 'f32'], voxOffset: [108, 'f32'],
    sclSlope: [112, 'f32'], sclInter: [116, 'f32'], xyztUnits: [123, 'u8'], intentCode: [68, 'i16'], descrip: 148,
    qformCode: [252, 'i16'], sformCode: [254, 'i16'], quatern: [256, 'f32'], qoffset: [268, 'f32'], srow: [280, 'f32'],
    magic: [344, 4],
  },
  2: {
    size: 540, dim: [16, 'i64'], datatype: [12, 'i16'], bitpix: [14, 'i16'], pixdim: [104, 'f64'], voxOffset: [168, 'i64'],
    sclSlope: [176, 'f64'], sclInter: [184, 'f64'], xyztUnits: [500, 'i32'], intentCode: [504, 'i32'], descrip: 240,
    qformCode: [344, 'i32'], sformCode: [348, 'i32'], quatern: [352, 'f64'], qoffset: [376, 'f64'], srow: [400, 'f64'],
    magic: [4, 3],
  },
} as const;

function readField(dv: DataView, [off, kind]: Field, little: boolean, i = 0): number {
  const o = off + i * KIND_BYTES[kind];
  switch (kind) {
    case 'u8': return dv.getUint8(o);
    case 'i16': return dv.getInt16(o, little);
    case 'i32': return dv.getInt32(o, little);
    case 'i64': return Number(dv.getBigInt64(o, little));
    case 'f32': return dv.getFloat32(o, little);
    case 'f64': return dv.getFloat64(o, little);
  }
}

function writeField(dv: DataView, [off, kind]: Field, v: number, i = 0): void {
  const o = off + i * KIND_BYTES[kind];
  if (kind === 'u8') dv.setUint8(o, v);
  else if (kind === 'i16') dv.setInt16(o, v, true);
  else if (kind === 'f32') dv.setFloat32(o, v, true);
  else throw new Error(`writeField: NIfTI-1 has no ${kind} fields`);
}

function cString(bytes: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(start, end)).toString('latin1');
}

/** Parses the header at the start of `bytes`, whichever version and byte order it was written in. */
function parseHeader(bytes: Uint8Array, path: string): RawHeader {
  if (bytes.length < 348) {
    throw new FormatError(`readNifti: ${path} is ${bytes.length} bytes, shorter than a NIfTI header (348); is it truncated?`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const little of [true, false]) {
    const version = ({ 348: 1, 540: 2 } as const)[dv.getInt32(0, little)];
    if (!version) continue;
    const L = LAYOUT[version];
    if (bytes.length < L.size) throw new FormatError(`readNifti: ${path} ends inside its NIfTI-${version} header (${bytes.length} of ${L.size} bytes)`);
    const get = (f: Field, i = 0): number => readField(dv, f, little, i);
    const list = (f: Field, n: number): number[] => Array.from({ length: n }, (_, i) => get(f, i));
    const nd = get(L.dim);
    if (!Number.isInteger(nd) || nd < 1 || nd > 7) throw new FormatError(`readNifti: ${path} declares ${nd} dimensions (dim[0] must be 1–7)`);
    return {
      version,
      little,
      dims: list(L.dim, nd + 1).slice(1),
      datatype: get(L.datatype),
      pixdim: list(L.pixdim, 8),
      voxOffset: get(L.voxOffset),
      sclSlope: get(L.sclSlope),
      sclInter: get(L.sclInter),
      xyztUnits: get(L.xyztUnits),
      intentCode: get(L.intentCode),
      description: cString(bytes, L.descrip, 80),
      qformCode: get(L.qformCode),
      sformCode: get(L.sformCode),
      quatern: list(L.quatern, 3),
      qoffset: list(L.qoffset, 3),
      srow: list(L.srow, 12),
      magic: cString(bytes, L.magic[0], L.magic[1]),
    };
  }
  throw new FormatError(
    `readNifti: ${path} is not a NIfTI file (its first 4 bytes, sizeof_hdr, are neither 348 nor 540 in either byte order)`,
  );
}

/** Rotation · diag(pixdim) from the quaternion, as the NIfTI standard defines the qform (method 2). */
function qformAffine(h: RawHeader): number[] {
  let [b, c, d] = h.quatern;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    // b, c, d already make a unit quaternion (a 180° turn): renormalise them, as nifti1_io does.
    const n = Math.hypot(b, c, d);
    [b, c, d] = [b / n, c / n, d / n];
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  const qfac = h.pixdim[0] < 0 ? -1 : 1;
  const [dx, dy, dz] = [h.pixdim[1], h.pixdim[2], qfac * h.pixdim[3]];
  const r = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const out: number[] = [];
  for (let i = 0; i < 3; i++) out.push(r[i][0] * dx, r[i][1] * dy, r[i][2] * dz, h.qoffset[i]);
  return [...out, 0, 0, 0, 1];
}

function affineOf(h: RawHeader): number[] {
  if (h.sformCode > 0) return [...h.srow, 0, 0, 0, 1];
  if (h.qformCode > 0) return qformAffine(h);
  const p = (i: number): number => (h.dims.length >= i && h.pixdim[i] ? h.pixdim[i] : 1);
  return [p(1), 0, 0, 0, 0, p(2), 0, 0, 0, 0, p(3), 0, 0, 0, 0, 1];
}

/** The voxels as float32, scaled: one DataView getter per type, which reads either byte order. */
function decodeVoxels(bytes: Uint8Array, type: NiftiDatatype, little: boolean, slope: number, inter: number): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / TYPES[type].array.BYTES_PER_ELEMENT);
  const get: (i: number) => number = (() => {
    switch (type) {
      case 'uint8': return (i) => bytes[i];
      case 'int8': return (i) => dv.getInt8(i);
      case 'int16': return (i) => dv.getInt16(2 * i, little);
      case 'uint16': return (i) => dv.getUint16(2 * i, little);
      case 'int32': return (i) => dv.getInt32(4 * i, little);
      case 'uint32': return (i) => dv.getUint32(4 * i, little);
      case 'int64': return (i) => Number(dv.getBigInt64(8 * i, little));
      case 'uint64': return (i) => Number(dv.getBigUint64(8 * i, little));
      case 'float32': return (i) => dv.getFloat32(4 * i, little);
      case 'float64': return (i) => dv.getFloat64(8 * i, little);
    }
  })();
  const n = out.length;
  if (slope === 1 && inter === 0) for (let i = 0; i < n; i++) out[i] = get(i);
  else for (let i = 0; i < n; i++) out[i] = get(i) * slope + inter;
  return out;
}

function readMaybeGzip(path: string, fn: string): Uint8Array {
  if (!existsSync(path)) throw new FormatError(`${fn}: file not found: ${path}`);
  const raw = readFileSync(path);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new FormatError(`${fn}: ${path} is gzip-compressed but does not decompress (${(e as Error).message}); the file is corrupt or truncated`);
    }
  }
  return raw;
}

/**
 * Reads a NIfTI-1 or NIfTI-2 volume (.nii, .nii.gz, or a NIfTI-1 .hdr with its .img beside it) into a
 * float32 tensor of shape [nz, ny, nx] (dims reversed; see NiftiImage), applying the header's scaling.
 * Integers beyond 2^24 in magnitude lose precision in float32. Throws FormatError on a file that is
 * missing, truncated or not NIfTI, UnsupportedError on complex, RGB or 1-bit voxels.
 */
export function readNifti(path: string): NiftiImage {
  const fn = 'readNifti';
  const bytes = readMaybeGzip(path, fn);
  const h = parseHeader(bytes, path);
  const pair = h.version === 1 && h.magic === 'ni1';
  if (!pair && h.magic !== (h.version === 1 ? 'n+1' : 'n+2')) {
    throw new FormatError(`${fn}: ${path} has a NIfTI header size but magic "${h.magic}" (expected "n+1", "ni1" or "n+2"); the file is not NIfTI or is damaged`);
  }
  if (h.dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new FormatError(`${fn}: ${path} declares dimensions ${shapeStr(h.dims)}; each must be a positive integer`);
  }
  if (UNSUPPORTED_DATATYPES[h.datatype]) {
    throw new UnsupportedError(`${fn}: ${path} stores ${UNSUPPORTED_DATATYPES[h.datatype]} voxels (datatype ${h.datatype}); only real scalar types are read`);
  }
  const datatype = BY_CODE.get(h.datatype);
  if (!datatype) throw new FormatError(`${fn}: ${path} has datatype code ${h.datatype}, which NIfTI does not define`);
  const n = h.dims.reduce((a, b) => a * b, 1);
  let img = bytes;
  let offset = pair ? Math.max(0, h.voxOffset) : h.voxOffset;
  let where = path;
  if (pair) {
    where = path.replace(/\.hdr(\.gz)?$/, '.img$1');
    if (where === path) throw new FormatError(`${fn}: ${path} is the header of a .hdr/.img pair; name the .hdr file`);
    img = readMaybeGzip(where, fn);
  } else if (!(offset >= LAYOUT[h.version].size)) {
    throw new FormatError(`${fn}: ${path} puts its voxels at byte ${offset}, inside its own header`);
  }
  offset = Math.floor(offset);
  const need = n * TYPES[datatype].array.BYTES_PER_ELEMENT;
  if (img.length < offset + need) {
    throw new FormatError(
      `${fn}: ${where} holds ${Math.max(0, img.length - offset)} bytes of voxels but its header (${shapeStr(h.dims)} ${datatype}) needs ${need}; the file is truncated`,
    );
  }
  // No scaling when the slope is 0 or not finite (the standard's "not set"), as nibabel reads it.
  const scaled = Number.isFinite(h.sclSlope) && h.sclSlope !== 0;
  const slope = scaled ? h.sclSlope : 1;
  const inter = scaled && Number.isFinite(h.sclInter) ? h.sclInter : 0;
  const data = decodeVoxels(img.subarray(offset, offset + need), datatype, h.little, slope, inter);
  return {
    data: new Tensor(data, [...h.dims].reverse(), 'float32'),
    dims: h.dims,
    pixdim: h.pixdim.slice(1, 1 + h.dims.length),
    affine: affineOf(h),
    datatype,
    version: h.version,
    qformCode: h.qformCode,
    sformCode: h.sformCode,
    sclSlope: slope,
    sclInter: inter,
    xyzUnits: SPACE_UNITS[h.xyztUnits & 0x07] ?? 'unknown',
    timeUnits: TIME_UNITS[h.xyztUnits & 0x38] ?? 'unknown',
    intentCode: h.intentCode,
    description: h.description,
  };
}

/** Options of writeNifti. */
export interface WriteNiftiOptions {
  /**
   * 4×4 voxel-to-world matrix, row-major (see NiftiImage.affine); default diag(pixdim, 1). Written as the
   * sform, and as the qform too when it has no shear.
   */
  affine?: readonly number[];
  /** Voxel sizes (nx, ny, nz, …) when no affine is given; default 1 each. */
  pixdim?: readonly number[];
  /**
   * Storage type; integer types round the values and refuse any outside their range. Default float32 for a
   * float32 volume, int32 for an int32 one (a label map, e.g. from F.argmax).
   */
  datatype?: Exclude<NiftiDatatype, 'int64' | 'uint64'>;
  /**
   * xform code of the qform and sform: 1 scanner, 2 aligned, 3 Talairach, 4 MNI; 0 writes neither as valid
   * (readers then place voxels by pixdim alone, as for a file that had no transform). Default 1 (scanner).
   */
  xformCode?: number;
  xyzUnits?: NiftiImage['xyzUnits'];
  description?: string;
}

/**
 * The qform's quaternion, voxel sizes and qfac for a shear-free affine (nifti1_io's mat44_to_quatern,
 * without its polar decomposition), or null when the columns are not orthogonal.
 */
function quaternOf(m: readonly number[]): { q: [number, number, number]; pix: [number, number, number]; qfac: number } | null {
  const col = (j: number): number[] => [m[j], m[4 + j], m[8 + j]];
  const cols = [col(0), col(1), col(2)];
  const pix = cols.map((c) => Math.hypot(...c)) as [number, number, number];
  if (pix.some((p) => !(p > 0))) return null;
  const u = cols.map((c, j) => c.map((v) => v / pix[j]));
  const dot = (a: number[], b: number[]): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  if (Math.abs(dot(u[0], u[1])) > 1e-4 || Math.abs(dot(u[0], u[2])) > 1e-4 || Math.abs(dot(u[1], u[2])) > 1e-4) return null;
  const det =
    u[0][0] * (u[1][1] * u[2][2] - u[1][2] * u[2][1]) - u[1][0] * (u[0][1] * u[2][2] - u[0][2] * u[2][1]) + u[2][0] * (u[0][1] * u[1][2] - u[0][2] * u[1][1]);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) u[2] = u[2].map((v) => -v);
  // r[i][j] = u[j][i]: the rotation's columns are the unit axes.
  const r = (i: number, j: number): number => u[j][i];
  let a = r(0, 0) + r(1, 1) + r(2, 2) + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r(2, 1) - r(1, 2))) / a;
    c = (0.25 * (r(0, 2) - r(2, 0))) / a;
    d = (0.25 * (r(1, 0) - r(0, 1))) / a;
  } else {
    const xd = 1 + r(0, 0) - (r(1, 1) + r(2, 2));
    const yd = 1 + r(1, 1) - (r(0, 0) + r(2, 2));
    const zd = 1 + r(2, 2) - (r(0, 0) + r(1, 1));
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r(0, 1) + r(1, 0))) / b;
      d = (0.25 * (r(0, 2) + r(2, 0))) / b;
      a = (0.25 * (r(2, 1) - r(1, 2))) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r(0, 1) + r(1, 0))) / c;
      d = (0.25 * (r(1, 2) + r(2, 1))) / c;
      a = (0.25 * (r(0, 2) - r(2, 0))) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r(0, 2) + r(2, 0))) / d;
      c = (0.25 * (r(1, 2) + r(2, 1))) / d;
      a = (0.25 * (r(1, 0) - r(0, 1))) / d;
    }
    if (a < 0) [b, c, d] = [-b, -c, -d];
  }
  return { q: [b, c, d], pix, qfac };
}

/**
 * Writes `volume` (float32 or int32, shape [nz, ny, nx], [nt, nz, ny, nx], …: dims reversed, as readNifti
 * returns them) as a single-file NIfTI-1 image, gzip-compressed when `path` ends in .gz. Atomic: a failure
 * leaves no file.
 */
export function writeNifti(path: string, volume: Tensor<DType>, opts: WriteNiftiOptions = {}): void {
  const fn = 'writeNifti';
  if (!/\.nii(\.gz)?$/.test(path)) throw new ValueError(`${fn}: path must end in .nii or .nii.gz, got ${path}`);
  const rank = volume.shape.length;
  if (rank < 1 || rank > 7) throw new ValueError(`${fn}: volume must have 1–7 dimensions, got shape ${shapeStr(volume.shape)}`);
  const dims = [...volume.shape].reverse();
  if (volume.size === 0) throw new ValueError(`${fn}: volume ${shapeStr(volume.shape)} is empty; NIfTI dimensions are at least 1`);
  if (dims.some((d) => d > 32767)) throw new ValueError(`${fn}: NIfTI-1 dimensions are at most 32767, got shape ${shapeStr(volume.shape)}`);
  const datatype = opts.datatype ?? (volume.dtype === 'int32' ? 'int32' : 'float32');
  if (!WRITABLE.includes(datatype)) throw new ValueError(`${fn}: datatype must be one of ${WRITABLE.join(', ')}, got ${String(datatype)}`);
  const T = TYPES[datatype];
  const xform = opts.xformCode ?? 1;
  if (![0, 1, 2, 3, 4].includes(xform)) {
    throw new ValueError(`${fn}: xformCode must be 0 (none), 1 (scanner), 2 (aligned), 3 (Talairach) or 4 (MNI), got ${xform}`);
  }
  let pixdim = dims.map((_, i) => opts.pixdim?.[i] ?? 1);
  if (opts.pixdim && opts.pixdim.length !== dims.length) {
    throw new ValueError(`${fn}: pixdim must give one size per dimension (${dims.length}), got ${opts.pixdim.length}`);
  }
  if (pixdim.some((p) => !(p > 0) || !Number.isFinite(p))) throw new ValueError(`${fn}: pixdim must be positive and finite, got ${pixdim.join(', ')}`);
  let affine: number[];
  if (opts.affine) {
    if (opts.affine.length !== 16 || opts.affine.some((v) => !Number.isFinite(v))) {
      throw new ValueError(`${fn}: affine must be 16 finite numbers (a 4×4 matrix, row-major), got ${opts.affine.length} values`);
    }
    affine = [...opts.affine];
  } else {
    affine = [pixdim[0], 0, 0, 0, 0, pixdim[1] ?? 1, 0, 0, 0, 0, pixdim[2] ?? 1, 0, 0, 0, 0, 1];
  }
  const quat = quaternOf(affine);
  if (opts.affine) {
    // The spatial voxel sizes follow the affine's columns; the rest (time, …) stay as given.
    const sizes = quat?.pix ?? [0, 1, 2].map((j) => Math.hypot(affine[j], affine[4 + j], affine[8 + j]));
    pixdim = pixdim.map((p, i) => (i < 3 ? sizes[i] : p));
  }

  const units = { unknown: 0, meter: 1, mm: 2, micron: 3 }[opts.xyzUnits ?? 'mm'];
  if (units === undefined) throw new ValueError(`${fn}: xyzUnits must be unknown, meter, mm or micron, got ${String(opts.xyzUnits)}`);
  const descr = Buffer.from(opts.description ?? '', 'latin1');
  if (descr.length > 79) throw new ValueError(`${fn}: description is at most 79 characters, got ${descr.length}`);
  const body = encodeVoxels(volume.data, datatype, fn);

  const L = LAYOUT[1];
  const hdr = new Uint8Array(352); // header and the 4-byte extension flag (no extensions)
  const dv = new DataView(hdr.buffer);
  const put = (f: Field, v: number, i = 0): void => writeField(dv, f, v, i);
  dv.setInt32(0, L.size, true);
  hdr[38] = 'r'.charCodeAt(0); // "regular", as NIfTI-1 writers set it
  [dims.length, ...dims].forEach((d, i) => put(L.dim, d, i));
  for (let i = dims.length + 1; i < 8; i++) put(L.dim, 1, i);
  put(L.datatype, T.code);
  put(L.bitpix, 8 * T.array.BYTES_PER_ELEMENT);
  [quat?.qfac ?? 1, ...pixdim].forEach((p, i) => put(L.pixdim, p, i));
  for (let i = dims.length + 1; i < 8; i++) put(L.pixdim, 1, i);
  put(L.voxOffset, hdr.length);
  put(L.sclSlope, 1); // values are stored as they are
  put(L.xyztUnits, units);
  hdr.set(descr, L.descrip);
  if (quat) {
    put(L.qformCode, xform);
    quat.q.forEach((v, i) => put(L.quatern, v, i));
  }
  for (let i = 0; i < 3; i++) put(L.qoffset, affine[4 * i + 3], i);
  put(L.sformCode, xform);
  for (let i = 0; i < 12; i++) put(L.srow, affine[i], i);
  hdr.set([0x6e, 0x2b, 0x31, 0], L.magic[0]); // "n+1\0"
  writeFileAtomic(path, path.endsWith('.gz') ? [gzipSync(Buffer.concat([hdr, body]))] : [hdr, body]);
}

/** The voxels in `datatype`, as bytes (little-endian, as the header says); integers rounded and range-checked. */
function encodeVoxels(src: Float32Array | Int32Array, datatype: NiftiDatatype, fn: string): Uint8Array {
  const { array: T, range } = TYPES[datatype];
  if (src instanceof T) return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  const out = new T(src.length) as Exclude<VoxelArray, BigInt64Array | BigUint64Array>;
  if (!range) {
    out.set(src);
  } else {
    const [lo, hi] = range;
    for (let i = 0; i < src.length; i++) {
      const v = Math.round(src[i]);
      if (!(v >= lo && v <= hi)) {
        throw new ValueError(`${fn}: voxel ${i} is ${src[i]}, outside the range of ${datatype} [${lo}, ${hi}]; choose a wider datatype or float32`);
      }
      out[i] = v;
    }
  }
  return new Uint8Array(out.buffer);
}
