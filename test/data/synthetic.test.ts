import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DType, type Tensor, ValueError, data } from '../../src/index.js';

/**
 * Connected components of the foreground (label != 0) restricted to one cell (the box lo..hi), with
 * face connectivity; returns each component's voxel labels and bounding box.
 */
function componentsInBox(
  label: ArrayLike<number>,
  shape: readonly number[],
  lo: readonly number[],
  hi: readonly number[],
): { labels: Set<number>; min: number[]; max: number[]; count: number }[] {
  const rank = shape.length;
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  const seen = new Set<number>();
  const comps: { labels: Set<number>; min: number[]; max: number[]; count: number }[] = [];
  const coords = (i: number): number[] => strides.map((s, k) => Math.floor(i / s) % shape[k]);
  const inBox = (c: number[]): boolean => c.every((v, k) => v >= lo[k] && v < hi[k]);
  const visitBox = (c: number[], k: number, f: (c: number[]) => void): void => {
    if (k === rank) return f(c);
    for (let v = lo[k]; v < hi[k]; v++) visitBox([...c, v], k + 1, f);
  };
  visitBox([], 0, (c) => {
    const start = c.reduce((a, v, k) => a + v * strides[k], 0);
    if (label[start] === 0 || seen.has(start)) return;
    const comp = { labels: new Set<number>(), min: [...c], max: [...c], count: 0 };
    const stack = [start];
    seen.add(start);
    while (stack.length) {
      const i = stack.pop()!;
      const p = coords(i);
      comp.labels.add(label[i]);
      comp.count++;
      p.forEach((v, k) => {
        comp.min[k] = Math.min(comp.min[k], v);
        comp.max[k] = Math.max(comp.max[k], v);
      });
      for (let k = 0; k < rank; k++) {
        for (const d of [-1, 1]) {
          const q = [...p];
          q[k] += d;
          if (!inBox(q)) continue;
          const j = i + d * strides[k];
          if (label[j] !== 0 && !seen.has(j)) {
            seen.add(j);
            stack.push(j);
          }
        }
      }
    }
    comps.push(comp);
  });
  return comps;
}

/** Checks the placement invariants of one sample; returns the classes of its objects. */
function checkSample(set: data.SyntheticSet, i: number, rank: 2 | 3, minSize: number, maxSize: number): number[] {
  const S = set.label.shape[1];
  const half = Math.floor(S / 2);
  const V = S ** rank;
  const label = set.label.data.subarray(i * V, (i + 1) * V);
  const shape = new Array<number>(rank).fill(S);
  const objs = set.objects[i];
  const nCells = 2 ** rank;
  const nObjects = rank === 2 ? 3 : 4;
  assert.equal(objs.length, nObjects);
  assert.equal(new Set(objs.map((o) => o.cell)).size, nObjects, 'objects lie in distinct cells');
  let filled = 0;
  for (let cell = 0; cell < nCells; cell++) {
    const upper = shape.map((_, k) => (cell >> (rank - 1 - k)) & 1);
    const lo = upper.map((u) => (u ? half : 0));
    const hi = upper.map((u) => (u ? S : half));
    const comps = componentsInBox(label, shape, lo, hi);
    const obj = objs.find((o) => o.cell === cell);
    if (!obj) {
      assert.equal(comps.length, 0, `sample ${i}: cell ${cell} has no object but ${comps.length} components`);
      continue;
    }
    filled++;
    assert.equal(comps.length, 1, `sample ${i}: cell ${cell} must hold exactly one connected object`);
    const c = comps[0];
    assert.deepEqual([...c.labels], [obj.cls], 'an object carries one class label');
    for (let k = 0; k < rank; k++) {
      assert.ok(c.min[k] >= obj.origin[k] && c.max[k] < obj.origin[k] + obj.extent[k], 'object inside its box');
      assert.ok(obj.origin[k] >= lo[k] && obj.origin[k] + obj.extent[k] <= hi[k], 'box inside its cell');
      assert.ok(obj.extent[k] >= minSize && obj.extent[k] <= maxSize, `extent ${obj.extent[k]} in [${minSize}, ${maxSize}]`);
    }
  }
  assert.equal(filled, nObjects);
  return objs.map((o) => o.cls);
}

/** Residual noise (image minus binary foreground): mean and standard deviation. */
function noiseStats(set: data.SyntheticSet): { mean: number; std: number } {
  const img = set.image.data;
  const lab = set.label.data;
  let s = 0;
  let ss = 0;
  for (let i = 0; i < img.length; i++) {
    const r = img[i] - (lab[i] !== 0 ? 1 : 0);
    s += r;
    ss += r * r;
  }
  const mean = s / img.length;
  return { mean, std: Math.sqrt(ss / img.length - mean * mean) };
}

const equalData = (a: Tensor<DType>, b: Tensor<DType>): boolean => a.data.every((v, i) => v === b.data[i]);

describe('synthetic2d', () => {
  it('has the documented shapes, and three shapes in three distinct quadrants', () => {
    const set = data.synthetic2d({ n: 40, seed: 1 });
    assert.deepEqual(set.image.shape, [40, 1, 48, 48]);
    assert.deepEqual(set.label.shape, [40, 48, 48]);
    assert.equal(set.label.dtype, 'int32');
    for (let i = 0; i < 40; i++) checkSample(set, i, 2, 5, 24);
  });

  it('balances squares and circles, and adds noise of std 0.5', () => {
    const set = data.synthetic2d({ n: 300, seed: 2 });
    const counts = [0, 0, 0];
    set.objects.flat().forEach((o) => counts[o.cls]++);
    assert.equal(counts[0], 0);
    assert.ok(counts[1] > 380 && counts[2] > 380, `square/circle counts ${counts[1]}/${counts[2]} of 900`);
    const sizes = new Set(set.objects.flat().map((o) => o.extent[0]));
    assert.ok(sizes.has(5) && sizes.has(24), 'sizes reach both ends of 5..24');
    const { mean, std } = noiseStats(set);
    assert.ok(Math.abs(mean) < 0.01, `noise mean ${mean}`);
    assert.ok(Math.abs(std - 0.5) < 0.01, `noise std ${std}`);
    assert.equal(data.SHAPE_CLASSES_2D[1], 'square');
    assert.equal(data.SHAPE_CLASSES_2D[2], 'circle');
  });

  it('is deterministic by seed, differs across seeds, and sample i does not depend on n', () => {
    const a = data.synthetic2d({ n: 5, seed: 7 });
    const b = data.synthetic2d({ n: 5, seed: 7 });
    const c = data.synthetic2d({ n: 5, seed: 8 });
    const d = data.synthetic2d({ n: 3, seed: 7 });
    assert.ok(equalData(a.image, b.image) && equalData(a.label, b.label));
    assert.ok(!equalData(a.label, c.label) && !equalData(a.image, c.image));
    assert.ok(d.image.data.every((v, i) => v === a.image.data[i]));
    assert.deepEqual(d.objects, a.objects.slice(0, 3));
  });

  it('supports noise 0 (a clean binary image) and rejects bad options', () => {
    const set = data.synthetic2d({ n: 2, seed: 3, noise: 0 });
    assert.ok(set.image.data.every((v, i) => v === (set.label.data[i] !== 0 ? 1 : 0)));
    assert.throws(() => data.synthetic2d({ n: -1 }), ValueError);
    assert.throws(() => data.synthetic2d({ n: 1, size: 3 }), ValueError);
    assert.throws(() => data.synthetic2d({ n: 1, maxSize: 30 }), /maxSize <= size\/2/);
  });
});

describe('synthetic3d', () => {
  it('has the documented shapes, and four objects in four distinct octants', () => {
    const set = data.synthetic3d({ n: 4, seed: 1 });
    assert.deepEqual(set.image.shape, [4, 1, 48, 48, 48]);
    assert.deepEqual(set.label.shape, [4, 48, 48, 48]);
    for (let i = 0; i < 4; i++) checkSample(set, i, 3, 5, 24);
  });

  it('scales with the volume size, and balances the five classes', () => {
    const set = data.synthetic3d({ n: 50, size: 16, seed: 2 });
    assert.deepEqual(set.image.shape, [50, 1, 16, 16, 16]);
    const classes = Array.from({ length: 50 }, (_, i) => checkSample(set, i, 3, 3, 8)).flat();
    const counts = [0, 0, 0, 0, 0, 0];
    classes.forEach((c) => counts[c]++);
    assert.equal(counts[0], 0);
    for (let c = 1; c <= 5; c++) assert.ok(counts[c] >= 25, `class ${data.SHAPE_CLASSES_3D[c]}: ${counts[c]} of 200`);
    for (let c = 1; c <= 5; c++) assert.ok(set.label.data.includes(c), `class ${c} present in the labels`);
    const { mean, std } = noiseStats(set);
    assert.ok(Math.abs(mean) < 0.01 && Math.abs(std - 0.5) < 0.01, `noise ${mean} ± ${std}`);
  });

  it('orients cones and pyramids along every axis, both ways, tip where the metadata says', () => {
    const S = 32;
    const set = data.synthetic3d({ n: 30, size: S, seed: 4 });
    const seen = new Set<string>();
    set.objects.forEach((objs, i) => {
      const lab = set.label.data.subarray(i * S ** 3, (i + 1) * S ** 3);
      for (const o of objs) {
        if (o.cls !== 1 && o.cls !== 2) continue;
        seen.add(`${o.axis}:${o.flipped}`);
        // Voxels of the object in its first and last slice along its axis: the tip has fewer.
        const count = (t: number): number => {
          let n = 0;
          for (let d = o.origin[0]; d < o.origin[0] + o.extent[0]; d++) {
            for (let h = o.origin[1]; h < o.origin[1] + o.extent[1]; h++) {
              for (let w = o.origin[2]; w < o.origin[2] + o.extent[2]; w++) {
                if ([d, h, w][o.axis!] === t && lab[(d * S + h) * S + w] === o.cls) n++;
              }
            }
          }
          return n;
        };
        const first = count(o.origin[o.axis!]);
        const last = count(o.origin[o.axis!] + o.extent[o.axis!] - 1);
        assert.ok(o.flipped ? last < first : first < last, `tip side of ${JSON.stringify(o)}: ${first} vs ${last}`);
      }
    });
    assert.equal(seen.size, 6, `orientations seen: ${[...seen].join(' ')}`);
  });

  it('is deterministic by seed and differs across seeds', () => {
    const a = data.synthetic3d({ n: 2, size: 16, seed: 5 });
    const b = data.synthetic3d({ n: 2, size: 16, seed: 5 });
    const c = data.synthetic3d({ n: 2, size: 16, seed: 6 });
    assert.ok(equalData(a.image, b.image) && equalData(a.label, b.label));
    assert.ok(!equalData(a.label, c.label));
  });
});
