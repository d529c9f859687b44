import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FormatError, UnsupportedError, ValueError, io, randn, tensor } from '../../src/index.js';
import { FIXTURES } from '../helpers.js';

const DIR = join(FIXTURES, 'nifti');

interface Expected {
  file: string;
  version: 1 | 2;
  dims: number[];
  pixdim: number[];
  datatype: string;
  qformCode: number;
  sformCode: number;
  affine: number[];
  description: string;
  values: number[];
}

const expected = (name: string): Expected => JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Expected;

function assertClose(actual: readonly number[], want: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(actual[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `${what}[${i}]: ${actual[i]} vs ${want[i]}`);
  }
}

const CASES = [
  'f32_sform',
  'i16_scaled_qform',
  'u8_qform_180',
  'u8_no_xform',
  'f64_bigendian',
  'i8',
  'u16',
  'i32',
  'u32',
  'i64',
  'nifti2_4d',
  'pair_u16',
  'writer_reference',
];

for (const name of CASES) {
  test(`readNifti matches nibabel: ${name}`, () => {
    const e = expected(name);
    const img = io.readNifti(join(DIR, e.file));
    assert.equal(img.version, e.version);
    assert.deepEqual(img.dims, e.dims);
    assert.deepEqual(img.data.shape, [...e.dims].reverse(), 'tensor shape is the dims reversed');
    assert.equal(img.datatype, e.datatype);
    assert.equal(img.qformCode, e.qformCode);
    assert.equal(img.sformCode, e.sformCode);
    assert.equal(img.description, e.description);
    assertClose(img.pixdim, e.pixdim, 1e-6, 'pixdim');
    // The qform is stored in float32 and rebuilt from a quaternion: agree to float32 rounding.
    assertClose(img.affine, e.affine, 1e-5, 'affine');
    // Voxel values in NIfTI order (i fastest) are the tensor's own order.
    assertClose(Array.from(img.data.data), e.values, 1e-6, 'values');
  });
}

test('readNifti: tensor[k][j][i] is voxel (i, j, k)', () => {
  const e = expected('f32_sform');
  const img = io.readNifti(join(DIR, e.file));
  const [nx, ny] = e.dims;
  const [i, j, k] = [3, 2, 1];
  // data is [nz, ny, nx], last axis fastest
  assert.equal(img.data.data[(k * ny + j) * nx + i], Math.fround(e.values[i + nx * (j + ny * k)]));
});

test('writeNifti → nibabel-compatible fields: the same dims, pixdim, codes and affine nibabel writes', () => {
  const e = expected('writer_reference');
  const ref = io.readNifti(join(DIR, e.file));
  const dir = mkdtempSync(join(tmpdir(), 'acs-nii-'));
  for (const file of ['ours.nii', 'ours.nii.gz']) {
    const p = join(dir, file);
    io.writeNifti(p, ref.data, { affine: ref.affine, xformCode: 1 });
    const back = io.readNifti(p);
    assert.deepEqual(back.dims, ref.dims);
    assert.equal(back.datatype, 'float32');
    assert.equal(back.qformCode, 1);
    assert.equal(back.sformCode, 1);
    assertClose(back.pixdim, ref.pixdim, 1e-6, 'pixdim');
    assertClose(back.affine, ref.affine, 1e-6, 'sform');
    assert.deepEqual(Array.from(back.data.data), Array.from(ref.data.data));
  }
  // Our qform alone (the sform's code cleared in the bytes) reproduces the affine, as nibabel's does.
  const bytes = readFileSync(join(dir, 'ours.nii'));
  bytes.writeInt16LE(0, 254);
  writeFileSync(join(dir, 'qonly.nii'), bytes);
  const q = io.readNifti(join(dir, 'qonly.nii'));
  assert.equal(q.sformCode, 0);
  assertClose(q.affine, ref.affine, 1e-5, 'qform affine');
  assert.deepEqual(readdirSync(dir).sort(), ['ours.nii', 'ours.nii.gz', 'qonly.nii']);
});

test('writeNifti round trip: left-handed and 180° grids keep their qform, integer datatypes round and check range', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acs-nii-'));
  for (const name of ['i16_scaled_qform', 'u8_qform_180']) {
    const src = io.readNifti(join(DIR, expected(name).file));
    const p = join(dir, `${name}.nii`);
    io.writeNifti(p, src.data, { affine: src.affine });
    const sformCleared = readFileSync(p);
    sformCleared.writeInt16LE(0, 254);
    writeFileSync(p, sformCleared);
    assertClose(io.readNifti(p).affine, src.affine, 1e-5, `${name} qform`);
  }
  const labels = tensor([0, 1, 2, 3, 254.6, 7], [1, 2, 3]);
  const p = join(dir, 'labels.nii.gz');
  io.writeNifti(p, labels, { datatype: 'uint8', pixdim: [0.5, 0.5, 2] });
  const back = io.readNifti(p);
  assert.equal(back.datatype, 'uint8');
  assert.deepEqual(Array.from(back.data.data), [0, 1, 2, 3, 255, 7]);
  assert.deepEqual(back.dims, [3, 2, 1]);
  assertClose(back.pixdim, [0.5, 0.5, 2], 0, 'pixdim');
  assert.deepEqual(back.affine, [0.5, 0, 0, 0, 0, 0.5, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1]);
  assert.equal(back.xyzUnits, 'mm');
  assert.throws(
    () => io.writeNifti(join(dir, 'neg.nii'), tensor([1, -1], [2]), { datatype: 'uint8' }),
    (err: Error) => err instanceof ValueError && /voxel 1 is -1, outside the range of uint8/.test(err.message),
  );
  assert.ok(!readdirSync(dir).includes('neg.nii'), 'a refused write leaves no file');
  // An int32 label map (as F.argmax returns) is written as int32 unless told otherwise.
  io.writeNifti(join(dir, 'argmax.nii'), tensor([0, 2, 1, 70000], [1, 2, 2], { dtype: 'int32' }));
  const am = io.readNifti(join(dir, 'argmax.nii'));
  assert.equal(am.datatype, 'int32');
  assert.deepEqual(Array.from(am.data.data), [0, 2, 1, 70000]);
  const vol = randn([2, 3, 4, 5]);
  io.writeNifti(join(dir, 'series.nii'), vol, { datatype: 'float64' });
  const s = io.readNifti(join(dir, 'series.nii'));
  assert.deepEqual(s.dims, [5, 4, 3, 2]);
  assert.deepEqual(Array.from(s.data.data), Array.from(vol.data));
});

/** Rotation by `deg` about the unit axis `u` (Rodrigues), as a row-major 3×3. */
function rotationAbout(u: [number, number, number], deg: number): number[] {
  const n = Math.hypot(...u);
  const [x, y, z] = u.map((v) => v / n);
  const t = (deg * Math.PI) / 180;
  const [c, s, C] = [Math.cos(t), Math.sin(t), 1 - Math.cos(t)];
  return [c + x * x * C, x * y * C - z * s, x * z * C + y * s, y * x * C + z * s, c + y * y * C, y * z * C - x * s, z * x * C - y * s, z * y * C + x * s, c + z * z * C];
}

test('writeNifti: the qform reproduces any rotation (every branch of the quaternion), both handednesses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acs-nii-'));
  const p = join(dir, 'q.nii');
  const v = randn([2, 2, 2]);
  const axes: [number, number, number][] = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 2, 3], [-2, 1, 0.5], [0.3, -1, 2]];
  // Small turns take the trace branch; turns near 180° take the x, y or z branch by the axis's largest part.
  for (const axis of axes) {
    for (const deg of [0, 25, 90, 160, 179, 180]) {
      for (const flip of [1, -1]) {
        const r = rotationAbout(axis, deg);
        const zooms = [0.7, 1.1, 2.5];
        const affine = [0, 1, 2].flatMap((i) => [r[3 * i] * zooms[0], r[3 * i + 1] * zooms[1], r[3 * i + 2] * zooms[2] * flip, 10 * i - 3]);
        affine.push(0, 0, 0, 1);
        io.writeNifti(p, v, { affine });
        const bytes = readFileSync(p);
        bytes.writeInt16LE(0, 254); // read the qform alone
        writeFileSync(p, bytes);
        const back = io.readNifti(p);
        assert.equal(back.qformCode, 1, `axis ${axis} ${deg}° flip ${flip}: qform written`);
        assertClose(back.affine, affine, 2e-5, `axis ${axis} ${deg}° flip ${flip}`);
      }
    }
  }
  // A sheared affine has no qform: only the sform is written.
  io.writeNifti(p, v, { affine: [1, 0.4, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] });
  const sheared = io.readNifti(p);
  assert.equal(sheared.qformCode, 0);
  assert.equal(sheared.sformCode, 1);
});

test('readNifti: missing, truncated, corrupt and foreign files give FormatError naming the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acs-nii-'));
  assert.throws(() => io.readNifti(join(dir, 'nope.nii')), (e: Error) => e instanceof FormatError && /file not found/.test(e.message));
  const full = readFileSync(join(DIR, 'i16_scaled_qform.nii'));
  writeFileSync(join(dir, 'short.nii'), full.subarray(0, full.length - 10));
  assert.throws(() => io.readNifti(join(dir, 'short.nii')), (e: Error) => e instanceof FormatError && /truncated/.test(e.message));
  writeFileSync(join(dir, 'hdr.nii'), full.subarray(0, 200));
  assert.throws(() => io.readNifti(join(dir, 'hdr.nii')), /shorter than a NIfTI header/);
  const gz = gzipSync(full);
  writeFileSync(join(dir, 'cut.nii.gz'), gz.subarray(0, gz.length >> 1));
  assert.throws(() => io.readNifti(join(dir, 'cut.nii.gz')), (e: Error) => e instanceof FormatError && /does not decompress/.test(e.message));
  writeFileSync(join(dir, 'png.nii'), Buffer.alloc(400, 7));
  assert.throws(() => io.readNifti(join(dir, 'png.nii')), /not a NIfTI file/);
  const magic = Buffer.from(full);
  magic.write('xyz', 344, 'latin1');
  writeFileSync(join(dir, 'magic.nii'), magic);
  assert.throws(() => io.readNifti(join(dir, 'magic.nii')), /magic "xyz"/);
  const zeroDim = Buffer.from(full);
  zeroDim.writeInt16LE(0, 44);
  writeFileSync(join(dir, 'dim.nii'), zeroDim);
  assert.throws(() => io.readNifti(join(dir, 'dim.nii')), /each must be a positive integer/);
  const rgb = Buffer.from(full);
  rgb.writeInt16LE(128, 70);
  writeFileSync(join(dir, 'rgb.nii'), rgb);
  assert.throws(() => io.readNifti(join(dir, 'rgb.nii')), (e: Error) => e instanceof UnsupportedError && /rgb24/.test(e.message));
  const odd = Buffer.from(full);
  odd.writeInt16LE(3, 70);
  writeFileSync(join(dir, 'odd.nii'), odd);
  assert.throws(() => io.readNifti(join(dir, 'odd.nii')), /datatype code 3, which NIfTI does not define/);
  // A pair's header without its image file.
  copyFileSync(join(DIR, 'pair_u16.hdr'), join(dir, 'lonely.hdr'));
  assert.throws(() => io.readNifti(join(dir, 'lonely.hdr')), /file not found: .*lonely\.img/);
});

test('writeNifti xformCode 0 marks neither transform valid: readers place voxels by pixdim alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acs-nii-'));
  const p = join(dir, 'none.nii');
  io.writeNifti(p, randn([2, 3, 4]), { affine: [0.5, 0, 0, 9, 0, 0.6, 0, 9, 0, 0, 2, 9, 0, 0, 0, 1], xformCode: 0 });
  const back = io.readNifti(p);
  assert.equal(back.qformCode, 0);
  assert.equal(back.sformCode, 0);
  assertClose(back.affine, [0.5, 0, 0, 0, 0, 0.6, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1], 1e-6, 'method 1 affine');
});

test('writeNifti refuses bad arguments before writing anything', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acs-nii-'));
  const v = randn([2, 2, 2]);
  assert.throws(() => io.writeNifti(join(dir, 'a.img'), v), /must end in \.nii or \.nii\.gz/);
  assert.throws(() => io.writeNifti(join(dir, 'a.nii'), v, { affine: [1, 0, 0] }), /affine must be 16 finite numbers/);
  assert.throws(() => io.writeNifti(join(dir, 'a.nii'), randn([2, 0, 2])), /is empty/);
  assert.throws(() => io.writeNifti(join(dir, 'a.nii'), v, { pixdim: [1, 1] }), /one size per dimension \(3\)/);
  assert.throws(() => io.writeNifti(join(dir, 'a.nii'), v, { pixdim: [1, 0, 1] }), /pixdim must be positive/);
  assert.throws(() => io.writeNifti(join(dir, 'a.nii'), v, { xformCode: 9 }), /xformCode must be/);
  assert.throws(() => io.writeNifti(join(dir, 'a.nii'), v, { datatype: 'int64' as 'int32' }), /datatype must be one of/);
  assert.deepEqual(readdirSync(dir), []);
});
