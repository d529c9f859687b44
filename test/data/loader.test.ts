import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Generator, ShapeError, Tensor, ValueError, data, tensor } from '../../src/index.js';

/** n items whose image [1, 2, 2] is filled with the item's index, label [2, 2] likewise. */
function indexed(n: number): data.TensorDataset {
  const img = new Float32Array(n * 4);
  const lab = new Int32Array(n * 4);
  for (let i = 0; i < n * 4; i++) img[i] = lab[i] = Math.floor(i / 4);
  return new data.TensorDataset(new Tensor(img, [n, 1, 2, 2], 'float32'), new Tensor(lab, [n, 2, 2], 'int32'));
}

const ids = (b: data.Sample): number[] => Array.from({ length: b.image.shape[0] }, (_, k) => b.image.data[k * 4]);
const epoch = (l: data.DataLoader<data.Sample>): number[][] => [...l].map(ids);

describe('TensorDataset', () => {
  it('returns per-item copies of the right shapes', () => {
    const ds = indexed(3);
    assert.equal(ds.length, 3);
    const s = ds.get(2);
    assert.deepEqual(s.image.shape, [1, 2, 2]);
    assert.deepEqual(s.label.shape, [2, 2]);
    assert.deepEqual([...s.label.data], [2, 2, 2, 2]);
    s.image.data[0] = 99;
    assert.equal(ds.get(2).image.data[0], 2, 'get returns a copy');
    assert.throws(() => ds.get(3), ValueError);
  });

  it('checks image and label shapes', () => {
    const img = tensor(new Float32Array(2 * 4), [2, 1, 2, 2]);
    assert.throws(() => new data.TensorDataset(img, tensor(new Int32Array(6), [2, 3], { dtype: 'int32' })), ShapeError);
    assert.throws(() => new data.TensorDataset(img, tensor(new Int32Array(12), [3, 2, 2], { dtype: 'int32' })), /label must have shape \[2, 2, 2\]/);
  });

  it('wraps a synthetic set', () => {
    const set = data.synthetic2d({ n: 3, size: 16, seed: 0 });
    const ds = new data.TensorDataset(set.image, set.label);
    assert.deepEqual(ds.get(1).image.shape, [1, 16, 16]);
  });
});

describe('Subset and splitDataset', () => {
  it('index and split', () => {
    const [a, b] = data.splitDataset(indexed(5), [3, 2]);
    assert.equal(a.length, 3);
    assert.equal(b.get(1).label.data[0], 4);
    assert.equal(new data.Subset(indexed(5), [4, 0]).get(0).label.data[0], 4);
    assert.throws(() => data.splitDataset(indexed(5), [3, 3]), ValueError);
    assert.throws(() => new data.Subset(indexed(2), [2]), ValueError);
  });
});

describe('DataLoader', () => {
  it('batches in order, with a smaller last batch unless dropLast', () => {
    const l = new data.DataLoader(indexed(10), { batchSize: 4 });
    assert.equal(l.length, 3);
    const batches = [...l];
    assert.deepEqual(batches.map((b) => b.image.shape), [[4, 1, 2, 2], [4, 1, 2, 2], [2, 1, 2, 2]]);
    assert.deepEqual(batches[2].label.shape, [2, 2, 2]);
    assert.equal(batches[0].label.dtype, 'int32');
    assert.deepEqual(batches.map(ids), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const d = new data.DataLoader(indexed(10), { batchSize: 4, dropLast: true });
    assert.equal(d.length, 2);
    assert.deepEqual(epoch(d), [[0, 1, 2, 3], [4, 5, 6, 7]]);
  });

  it('shuffles each epoch afresh, reproducibly by seed', () => {
    const mk = (seed: number): data.DataLoader<data.Sample> => new data.DataLoader(indexed(12), { batchSize: 5, shuffle: true, seed });
    const a = mk(3);
    const b = mk(3);
    const a1 = epoch(a);
    const a2 = epoch(a);
    assert.deepEqual(a1, epoch(b));
    assert.deepEqual(a2, epoch(b));
    assert.notDeepEqual(a1, a2, 'a new order each epoch');
    assert.notDeepEqual(a1, epoch(mk(4)), 'seeds differ');
    for (const e of [a1, a2]) assert.deepEqual(e.flat().sort((x, y) => x - y), Array.from({ length: 12 }, (_, i) => i));
    const g = new Generator(3);
    assert.deepEqual(epoch(new data.DataLoader(indexed(12), { batchSize: 5, shuffle: true, generator: g })), a1);
  });

  it('accepts a custom collate, and rejects bad options and mismatched items', () => {
    const l = new data.DataLoader(indexed(3), { batchSize: 2, collateFn: (items) => items.length });
    assert.deepEqual([...l], [2, 1]);
    assert.throws(() => new data.DataLoader(indexed(3), { batchSize: 0 }), ValueError);
    const a = { image: tensor([1, 2], [1, 2]), label: tensor([0, 1], [2], { dtype: 'int32' }) };
    const b = { image: tensor([1, 2, 3], [1, 3]), label: tensor([0, 1, 1], [3], { dtype: 'int32' }) };
    assert.throws(() => data.collate([a, b]), /collate 'image': item 1/);
    assert.throws(() => data.collate([]), ValueError);
  });
});

describe('TransformDataset', () => {
  it('applies a seeded transform reproducibly', () => {
    const set = data.synthetic3d({ n: 4, size: 8, seed: 1 });
    const base = new data.TensorDataset(set.image, set.label);
    const t = data.compose(data.randomFlip(), data.randomRot90());
    const run = (seed: number): number[] =>
      [...new data.DataLoader(new data.TransformDataset(base, t, { seed }), { batchSize: 2 })].flatMap((b) => [...b.label.data]);
    assert.deepEqual(run(5), run(5));
    assert.notDeepEqual(run(5), run(6));
  });
});

describe('axialSlices', () => {
  it('turns volumes into their axial slices, channels kept together', () => {
    const [N, C, D, H, W] = [2, 2, 3, 2, 2];
    const img = Float32Array.from({ length: N * C * D * H * W }, (_, i) => i);
    const lab = Int32Array.from({ length: N * D * H * W }, (_, i) => i);
    const s = data.axialSlices(new Tensor(img, [N, C, D, H, W], 'float32'), new Tensor(lab, [N, D, H, W], 'int32'));
    assert.deepEqual(s.image.shape, [N * D, C, H, W]);
    assert.deepEqual(s.label.shape, [N * D, H, W]);
    // slice (n = 1, d = 2), channel 1, pixel (1, 0) is image[1, 1, 2, 1, 0]
    const k = 1 * D + 2;
    assert.equal(s.image.data[((k * C + 1) * H + 1) * W], (((1 * C + 1) * D + 2) * H + 1) * W);
    assert.equal(s.label.data[(k * H + 1) * W], ((1 * D + 2) * H + 1) * W);
    assert.throws(() => data.axialSlices(new Tensor(img, [N, C, D, H * W], 'float32'), new Tensor(lab, [N, D, H, W], 'int32')), ShapeError);
  });
});
