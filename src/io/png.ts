import { deflateSync } from 'node:zlib';
import { FormatError, ValueError } from '../util/errors.js';
import { writeFileAtomic } from './atomic.js';

/*
 * A minimal PNG writer (8-bit greyscale or RGB, no interlace, filter 0 on every row) for figures,
 * plus a header reader for tests. Chunks and their CRCs are written here; zlib does the deflate.
 */

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, as PNG and zlib use) of the given bytes. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, payload.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(payload, 8);
  dv.setUint32(8 + payload.length, crc32(out.subarray(4, 8 + payload.length)));
  return out;
}

/**
 * Encodes 8-bit pixels, row-major and interleaved (`channels` 3 for RGB, 1 for greyscale), as a PNG
 * file's bytes.
 */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 = 3): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ValueError(`encodePng: width and height must be positive integers, got ${width}×${height}`);
  }
  if (channels !== 1 && channels !== 3) throw new ValueError(`encodePng: channels must be 1 or 3, got ${String(channels)}`);
  const rowBytes = width * channels;
  if (pixels.length !== rowBytes * height) {
    throw new ValueError(
      `encodePng: pixels must hold width·height·channels = ${rowBytes * height} bytes (${width}×${height}×${channels}), got ${pixels.length}`,
    );
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 3 ? 2 : 0; // colour type: truecolour or greyscale
  // compression, filter and interlace methods stay 0
  const raw = new Uint8Array((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  const parts = [SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Writes a PNG atomically (a temporary file renamed over `path`). */
export function savePng(path: string, pixels: Uint8Array, width: number, height: number, channels: 1 | 3 = 3): void {
  writeFileAtomic(path, [encodePng(pixels, width, height, channels)]);
}

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 greyscale, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: number;
  interlace: number;
}

/** Reads and checks a PNG's signature and IHDR chunk (CRC included). */
export function decodePngHeader(bytes: Uint8Array): PngHeader {
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new FormatError('decodePngHeader: not a PNG file (bad signature or shorter than 33 bytes)');
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = dv.getUint32(8);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== 'IHDR' || len !== 13) throw new FormatError(`decodePngHeader: first chunk must be a 13-byte IHDR, got ${type} of ${len} bytes`);
  const crc = dv.getUint32(29);
  if (crc32(bytes.subarray(12, 29)) !== crc) throw new FormatError('decodePngHeader: IHDR CRC mismatch (corrupt file)');
  return {
    width: dv.getUint32(16),
    height: dv.getUint32(20),
    bitDepth: bytes[24],
    colorType: bytes[25],
    interlace: bytes[28],
  };
}
