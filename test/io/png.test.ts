import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { FormatError, ValueError, io } from '../../src/index.js';

/** Splits a PNG into its chunks, checking every CRC. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: { type: string; data: Uint8Array }[] = [];
  let off = 8;
  while (off < png.length) {
    const len = dv.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    const crc = dv.getUint32(off + 8 + len);
    assert.equal(io.crc32(png.subarray(off + 4, off + 8 + len)), crc, `CRC of ${type}`);
    out.push({ type, data: png.subarray(off + 8, off + 8 + len) });
    off += 12 + len;
  }
  assert.equal(off, png.length, 'chunks end exactly at the end of the file');
  return out;
}

function pattern(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 37 + (i >> 5)) & 0xff);
}

describe('png', () => {
  it('crc32 matches the standard check value', () => {
    assert.equal(io.crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  });

  for (const channels of [3, 1] as const) {
    it(`encodes a valid ${channels === 3 ? 'RGB' : 'greyscale'} PNG whose data inflates to the pixels`, () => {
      const [w, h] = [13, 7];
      const px = pattern(w * h * channels);
      const png = io.encodePng(px, w, h, channels);
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const hdr = io.decodePngHeader(png);
      assert.deepEqual(hdr, { width: w, height: h, bitDepth: 8, colorType: channels === 3 ? 2 : 0, interlace: 0 });
      const cs = chunks(png);
      assert.deepEqual(cs.map((c) => c.type), ['IHDR', 'IDAT', 'IEND']);
      const raw = inflateSync(cs[1].data);
      assert.equal(raw.length, (w * channels + 1) * h);
      for (let y = 0; y < h; y++) {
        const row = raw.subarray(y * (w * channels + 1), (y + 1) * (w * channels + 1));
        assert.equal(row[0], 0, 'filter type 0');
        assert.deepEqual([...row.subarray(1)], [...px.subarray(y * w * channels, (y + 1) * w * channels)]);
      }
    });
  }

  it('rejects wrong sizes and channel counts', () => {
    assert.throws(() => io.encodePng(new Uint8Array(10), 2, 2), /must hold width·height·channels = 12 bytes/);
    assert.throws(() => io.encodePng(new Uint8Array(0), 0, 2), ValueError);
    assert.throws(() => io.encodePng(new Uint8Array(8), 2, 2, 2 as 1), ValueError);
  });

  it('decodePngHeader rejects non-PNG data and a corrupt IHDR', () => {
    assert.throws(() => io.decodePngHeader(new Uint8Array(40)), FormatError);
    const png = io.encodePng(pattern(12), 2, 2);
    png[17] ^= 1; // width byte: the CRC no longer matches
    assert.throws(() => io.decodePngHeader(png), /CRC mismatch/);
  });

  it('savePng writes the file atomically (no temporary left behind)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'png-test-'));
    try {
      const path = join(dir, 'a.png');
      io.savePng(path, pattern(4 * 3 * 3), 4, 3);
      const bytes = new Uint8Array(readFileSync(path));
      assert.deepEqual({ ...io.decodePngHeader(bytes) }, { width: 4, height: 3, bitDepth: 8, colorType: 2, interlace: 0 });
      chunks(bytes);
      assert.deepEqual(readdirSync(dir), ['a.png']);
      assert.throws(() => io.savePng(join(dir, 'missing', 'b.png'), pattern(12), 2, 2), /ENOENT/);
      assert.deepEqual(readdirSync(dir), ['a.png']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
