import { existsSync, readFileSync } from 'node:fs';
import { FormatError, ValueError } from '../util/errors.js';
import { numel, shapeStr } from '../util/shape.js';
import { type DType, Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from './atomic.js';

/** Name → tensor, in insertion order (a PyTorch state dict). */
export type TensorDict = Map<string, Tensor<DType>>;

const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function decode(dtype: string, bytes: Uint8Array, n: number, name: string, path: string): Tensor<DType>['data'] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(n);
      const u = new Uint32Array(1);
      const f = new Float32Array(u.buffer);
      for (let i = 0; i < n; i++) {
        u[0] = dv.getUint16(2 * i, true) << 16;
        out[i] = f[0];
      }
      return out;
    }
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = dv.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) {
          throw new FormatError(`loadSafetensors: ${path}: tensor '${name}' has an I64 value ${v} outside int32 range`);
        }
        out[i] = Number(v);
      }
      return out;
    }
    case 'I32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true);
      return out;
    }
    case 'I16':
    case 'I8':
    case 'U8':
    case 'BOOL': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = dtype === 'I16' ? dv.getInt16(2 * i, true) : dtype === 'I8' ? dv.getInt8(i) : dv.getUint8(i);
      }
      return out;
    }
    default:
      throw new FormatError(`loadSafetensors: ${path}: tensor '${name}' has unsupported dtype ${dtype}`);
  }
}

export interface SafetensorsFile {
  tensors: TensorDict;
  metadata: Record<string, string>;
}

/** Parses safetensors bytes. Floats (F32, F16, BF16, F64) load as float32, integers as int32. */
export function parseSafetensors(buf: Uint8Array, path = '<buffer>'): SafetensorsFile {
  if (buf.length < 8) throw new FormatError(`loadSafetensors: ${path}: file is ${buf.length} bytes, too short for a safetensors header`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(dv.getBigUint64(0, true));
  if (headerLen > buf.length - 8) {
    throw new FormatError(`loadSafetensors: ${path}: header length ${headerLen} exceeds file size ${buf.length} (truncated or not a safetensors file)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  } catch (e) {
    throw new FormatError(`loadSafetensors: ${path}: header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const tensors: TensorDict = new Map();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const info = raw as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    if (!info || typeof info.dtype !== 'string' || !Array.isArray(info.shape) || !Array.isArray(info.data_offsets)) {
      throw new FormatError(`loadSafetensors: ${path}: entry '${name}' lacks dtype, shape or data_offsets`);
    }
    const n = numel(info.shape);
    const [b, e] = info.data_offsets;
    const width = DTYPE_BYTES[info.dtype];
    if (width === undefined) throw new FormatError(`loadSafetensors: ${path}: tensor '${name}' has unsupported dtype ${info.dtype}`);
    if (e - b !== n * width) {
      throw new FormatError(`loadSafetensors: ${path}: tensor '${name}' ${shapeStr(info.shape)} ${info.dtype} needs ${n * width} bytes, offsets give ${e - b}`);
    }
    if (b < 0 || e > dataLen) {
      throw new FormatError(`loadSafetensors: ${path}: tensor '${name}' data [${b}, ${e}) lies beyond the file's ${dataLen} data bytes (truncated file?)`);
    }
    const data = decode(info.dtype, buf.subarray(dataStart + b, dataStart + e), n, name, path);
    tensors.set(name, new Tensor(data, info.shape, data instanceof Int32Array ? 'int32' : 'float32') as Tensor<DType>);
  }
  return { tensors, metadata };
}

/** Reads a safetensors file into a state dict (name → tensor). */
export function loadSafetensors(path: string): TensorDict {
  return readSafetensors(path).tensors;
}

/** Reads a safetensors file with its `__metadata__` strings. */
export function readSafetensors(path: string): SafetensorsFile {
  if (!existsSync(path)) throw new FormatError(`loadSafetensors: file not found: ${path}`);
  return parseSafetensors(readFileSync(path), path);
}

export interface SaveOptions {
  metadata?: Record<string, string>;
  /** Store int32 tensors as I64 (PyTorch's dtype for `num_batches_tracked` and labels); default true. */
  intAsI64?: boolean;
}

/** Serialises tensors to safetensors bytes (float32 as F32, int32 as I64 or I32). */
export function serializeSafetensors(dict: TensorDict | Record<string, Tensor<DType>>, opts: SaveOptions = {}): Uint8Array[] {
  const entries = dict instanceof Map ? [...dict.entries()] : Object.entries(dict);
  const i64 = opts.intAsI64 ?? true;
  const header: Record<string, unknown> = {};
  if (opts.metadata) header.__metadata__ = opts.metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new ValueError(`saveSafetensors: '${name}' is not a Tensor`);
    let bytes: Uint8Array;
    let dtype: string;
    if (t.dtype === 'int32' && i64) {
      const out = new BigInt64Array(t.size);
      for (let i = 0; i < t.size; i++) out[i] = BigInt(t.data[i]);
      bytes = new Uint8Array(out.buffer);
      dtype = 'I64';
    } else {
      bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      dtype = t.dtype === 'int32' ? 'I32' : 'F32';
    }
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    blobs.push(bytes);
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces to 8 bytes so the data that follows is aligned (as the reference writer does).
  const enc = new TextEncoder();
  while (enc.encode(json).length % 8 !== 0) json += ' ';
  const hb = enc.encode(json);
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(hb.length), true);
  return [len, hb, ...blobs];
}

/** Writes a state dict as safetensors, atomically (a failed write leaves no partial file). */
export function saveSafetensors(path: string, dict: TensorDict | Record<string, Tensor<DType>>, opts: SaveOptions = {}): void {
  writeFileAtomic(path, serializeSafetensors(dict, opts));
}
