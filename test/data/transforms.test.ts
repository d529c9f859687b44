import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Generator, Tensor, ValueError, data, tensor } from '../../src/index.js';

/** A sample whose image channel 0 equals the label and channel 1 twice it: alignment is checkable. */
function aligned(shape: number[], seed = 0): data.Sample {
  const n = shape.reduce((a, b) => a * b, 1);
  const g = new Generator(seed);
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) lab[i] = g.int(0, 6);
  const img = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    img[i] = lab[i];
    img[n + i] = 2 * lab[i];
  }
  return { image: new Tensor(img, [2, ...shape], 'float32'), label: new Tensor(lab, shape, 'int32') };
}

function assertAligned(s: data.Sample): void {
  const n = s.label.size;
  assert.deepEqual(s.image.shape, [2, ...s.label.shape]);
  for (let i = 0; i < n; i++) {
    if (s.image.data[i] !== s.label.data[i] || s.image.data[n + i] !== 2 * s.label.data[i]) {
      assert.fail(`image and label disagree at ${i}`);
    }
  }
}

const grid = (values: number[], shape: number[]): data.Sample => ({
  image: tensor(values, [1, ...shape]),
  label: tensor(values, shape, { dtype: 'int32' }),
});

describe('flip and rot90', () => {
  it('rot90 matches numpy.rot90 (k = 1, 2, 3, -1) and four turns are the identity', () => {
    const s = grid([1, 2, 3, 4, 5, 6], [2, 3]);
    // np.rot90([[1,2,3],[4,5,6]]) == [[3,6],[2,5],[1,4]]; k=2 → [[6,5,4],[3,2,1]]; k=3 → [[4,1],[5,2],[6,3]]
    const r1 = data.rot90(s, 1, [0, 1]);
    assert.deepEqual(r1.label.shape, [3, 2]);
    assert.deepEqual([...r1.label.data], [3, 6, 2, 5, 1, 4]);
    assert.deepEqual([...data.rot90(s, 2, [0, 1]).label.data], [6, 5, 4, 3, 2, 1]);
    assert.deepEqual([...data.rot90(s, 3, [0, 1]).label.data], [4, 1, 5, 2, 6, 3]);
    assert.deepEqual([...data.rot90(s, -1, [0, 1]).label.data], [4, 1, 5, 2, 6, 3]);
    assert.deepEqual([...data.rot90(s, 1, [1, 0]).label.data], [4, 1, 5, 2, 6, 3], 'reversed plane turns the other way');
    let t = s;
    for (let k = 0; k < 4; k++) t = data.rot90(t, 1, [0, 1]);
    assert.deepEqual([...t.image.data], [...s.image.data]);
  });

  it('flip reverses the chosen axes of a volume', () => {
    const v = Array.from({ length: 24 }, (_, i) => i);
    const s = grid(v, [2, 3, 4]);
    const f = data.flip(s, [0, 2]);
    // element (d, h, w) of the result is (1 - d, h, 3 - w) of the input
    for (let d = 0; d < 2; d++) {
      for (let h = 0; h < 3; h++) {
        for (let w = 0; w < 4; w++) assert.equal(f.label.data[d * 12 + h * 4 + w], (1 - d) * 12 + h * 4 + (3 - w));
      }
    }
    assert.deepEqual([...data.flip(f, [0, 2]).label.data], v);
    assert.throws(() => data.flip(s, [3]), ValueError);
  });

  it('rot90 in a non-square volume plane swaps its sizes and keeps image and label aligned', () => {
    const s = aligned([3, 4, 5]);
    const r = data.rot90(s, 1, [0, 2]);
    assert.deepEqual(r.label.shape, [5, 4, 3]);
    assertAligned(r);
  });
});

describe('random transforms', () => {
  it('keep image and label aligned through a pipeline, and are reproducible by seed', () => {
    const t = data.compose(
      data.randomFlip(),
      data.randomRot90({ planes: [[0, 1], [0, 2], [1, 2]] }),
      data.randomCropOrPad([5, 7, 4]),
    );
    const s = aligned([6, 6, 6]);
    const g1 = new Generator(9);
    const g2 = new Generator(9);
    for (let k = 0; k < 20; k++) {
      const a = t(s, g1);
      assert.deepEqual(a.label.shape, [5, 7, 4]);
      assertAligned(a);
      assert.deepEqual([...a.label.data], [...t(s, g2).label.data]);
    }
  });

  it('randomFlip with p = 0 is the identity and p = 1 flips every axis', () => {
    const s = aligned([2, 3, 4], 1);
    const g = new Generator(0);
    assert.equal(data.randomFlip({ p: 0 })(s, g), s);
    assert.deepEqual([...data.randomFlip({ p: 1 })(s, g).label.data], [...data.flip(s, [0, 1, 2]).label.data]);
  });

  it('randomCropOrPad crops a window of the input and pads with background', () => {
    const v = Array.from({ length: 6 * 6 }, (_, i) => i + 1);
    const s = grid(v, [6, 6]);
    const g = new Generator(2);
    const c = data.randomCropOrPad([3, 4])(s, g);
    const r0 = Math.floor((c.label.data[0] - 1) / 6);
    const c0 = (c.label.data[0] - 1) % 6;
    for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) assert.equal(c.label.data[y * 4 + x], (r0 + y) * 6 + c0 + x + 1);
    const p = data.randomCropOrPad([9, 8], { padValue: -1 })(s, g);
    assert.deepEqual(p.label.shape, [9, 8]);
    assert.equal(p.label.data.filter((x) => x === 0).length, 9 * 8 - 36);
    assert.equal(p.image.data.filter((x) => x === -1).length, 9 * 8 - 36);
    assert.deepEqual([...p.label.data].filter((x) => x !== 0), v, 'the input embedded whole, in order');
    assert.throws(() => data.randomCropOrPad([3])(s, g), ValueError);
  });

  it('centerCropOrPad is deterministic', () => {
    const s = grid(Array.from({ length: 16 }, (_, i) => i), [4, 4]);
    const c = data.centerCropOrPad([2, 2])(s, new Generator(0));
    assert.deepEqual([...c.label.data], [5, 6, 9, 10]);
    const p = data.centerCropOrPad([6, 4])(s, new Generator(0));
    assert.deepEqual([...p.label.data.subarray(0, 4)], [0, 0, 0, 0]);
    assert.deepEqual([...p.label.data.subarray(4, 8)], [0, 1, 2, 3]);
  });
});

describe('normalizeIntensity', () => {
  it('standardises each channel, or uses the given statistics', () => {
    const s = aligned([4, 4, 4], 3);
    const n = data.normalizeIntensity()(s, new Generator(0));
    for (let c = 0; c < 2; c++) {
      const x = n.image.data.subarray(c * 64, (c + 1) * 64);
      const m = x.reduce((a, b) => a + b, 0) / 64;
      const sd = Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / 64);
      assert.ok(Math.abs(m) < 1e-5 && Math.abs(sd - 1) < 1e-5, `channel ${c}: ${m} ± ${sd}`);
    }
    assert.equal(n.label, s.label);
    const f = data.normalizeIntensity({ mean: 1, std: 2 })(s, new Generator(0));
    assert.equal(f.image.data[5], (s.image.data[5] - 1) / 2);
    assert.throws(() => data.normalizeIntensity({ std: 0 }), ValueError);
  });
});
