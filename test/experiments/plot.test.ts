import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShapeError, Tensor, ValueError, data, io } from '../../src/index.js';
import {
  LABEL_PALETTE,
  SERIES_COLORS,
  type Rgb,
  type RgbImage,
  busiestSlice,
  createImage,
  drawText,
  lineChart,
  niceStep,
  slicesFigure,
} from '../../src/experiments/plot.js';
import { glyph, textWidth } from '../../src/experiments/font.js';

function countColor(img: RgbImage, c: Rgb, box?: { x: number; y: number; w: number; h: number }): number {
  const b = box ?? { x: 0, y: 0, w: img.width, h: img.height };
  let n = 0;
  for (let y = b.y; y < b.y + b.h; y++) {
    for (let x = b.x; x < b.x + b.w; x++) {
      const o = 3 * (y * img.width + x);
      if (img.data[o] === c[0] && img.data[o + 1] === c[1] && img.data[o + 2] === c[2]) n++;
    }
  }
  return n;
}

function volume(size: number, seed: number): { image: Tensor; label: Tensor<'int32'> } {
  const s = data.synthetic3d({ n: 1, size, seed });
  return { image: new Tensor(s.image.data, [size, size, size], 'float32'), label: new Tensor(s.label.data, [size, size, size], 'int32') };
}

describe('font', () => {
  it('has a glyph per printable ASCII character and a box for unknown ones', () => {
    assert.deepEqual([...glyph('0')], [0x3e, 0x51, 0x49, 0x45, 0x3e]);
    assert.deepEqual([...glyph(' ')], [0, 0, 0, 0, 0]);
    for (let c = 33; c < 127; c++) assert.ok(glyph(String.fromCharCode(c)).some((b) => b !== 0), `glyph ${c}`);
    assert.notDeepEqual([...glyph('é')], [...glyph('e')]);
    assert.equal(textWidth('abc', 2), (3 * 6 - 1) * 2);
  });

  it('drawText paints only inside its box', () => {
    const img = createImage(40, 20);
    drawText(img, 2, 3, 'Hi', [0, 0, 0], 2);
    const inside = countColor(img, [0, 0, 0], { x: 2, y: 3, w: textWidth('Hi', 2), h: 14 });
    assert.ok(inside > 20);
    assert.equal(countColor(img, [0, 0, 0]), inside);
  });
});

describe('slicesFigure', () => {
  it('has the documented size and draws truth colours in the truth row', () => {
    const { image, label } = volume(16, 1);
    const one = slicesFigure({ image, truth: label, predictions: [{ name: 'a', label }], scale: 2 });
    const two = slicesFigure({ image, truth: label, predictions: [{ name: 'a', label }, { name: 'b', label }], scale: 2 });
    assert.equal(one.data.length, 3 * one.width * one.height);
    assert.equal(two.width, one.width);
    assert.equal(two.height - one.height, 16 * 2 + 6, 'one more row: a cell plus a gap');
    assert.ok(one.width >= 3 * 16 * 2);
    const present = new Set(label.data);
    for (let c = 1; c <= 5; c++) {
      if (present.has(c)) assert.ok(countColor(one, LABEL_PALETTE[c]) > 0, `class ${c} drawn`);
    }
    const png = io.encodePng(one.data, one.width, one.height);
    assert.equal(io.decodePngHeader(png).width, one.width);
  });

  it('takes [1, D, H, W] input, a title and a legend, and checks shapes and slice indices', () => {
    const { image, label } = volume(12, 2);
    const img4 = new Tensor(image.data, [1, 12, 12, 12], 'float32');
    const f = slicesFigure({ image: img4, truth: label, predictions: [], classNames: data.SHAPE_CLASSES_3D, title: 'test', slices: [0, 5, 11] });
    const plain = slicesFigure({ image: img4, truth: label, predictions: [], slices: [0, 5, 11] });
    assert.ok(f.height > plain.height, 'title and legend add height');
    for (let c = 1; c <= 5; c++) assert.ok(countColor(f, LABEL_PALETTE[c]) >= 1, `legend swatch ${c}`);
    const bad = new Tensor(new Int32Array(12 * 12 * 10), [12, 12, 10], 'int32');
    assert.throws(() => slicesFigure({ image, truth: label, predictions: [{ name: 'x', label: bad }] }), ShapeError);
    assert.throws(() => slicesFigure({ image, truth: label, predictions: [], slices: [0, 12, 0] }), ValueError);
  });

  it('busiestSlice picks the slice with the most object voxels', () => {
    const lab = new Int32Array(4 * 4 * 4);
    lab[2 * 16 + 1 * 4 + 3] = 1;
    lab[2 * 16 + 0 * 4 + 3] = 2;
    const t = new Tensor(lab, [4, 4, 4], 'int32');
    assert.deepEqual([busiestSlice(t, 0), busiestSlice(t, 1), busiestSlice(t, 2)], [2, 0, 3]);
    assert.equal(busiestSlice(new Tensor(new Int32Array(64), [4, 4, 4], 'int32'), 1), 2, 'middle when empty');
  });
});

describe('lineChart', () => {
  it('has the documented default size and draws each series in its colour', () => {
    const img = lineChart(
      [
        { name: 'acs-pretrained', values: [0.2, 0.5, 0.6, 0.7] },
        { name: '3d-scratch', values: [0.1, NaN, 0.3, 0.35] },
      ],
      { title: 'test Dice', yLabel: 'Dice' },
    );
    assert.equal(img.width, 720);
    assert.equal(img.height, 420);
    assert.equal(img.data.length, 3 * 720 * 420);
    assert.ok(countColor(img, SERIES_COLORS[0]) > 100);
    assert.ok(countColor(img, SERIES_COLORS[1]) > 50);
    assert.equal(countColor(img, SERIES_COLORS[2]), 0);
  });

  it('takes a custom size and range, copes with empty and single-point series, rejects a tiny canvas', () => {
    const img = lineChart([{ name: 'one', values: [0.5] }, { name: 'none', values: [] }], { width: 300, height: 200, yRange: [0, 1] });
    assert.equal(img.data.length, 3 * 300 * 200);
    assert.ok(countColor(img, SERIES_COLORS[0]) > 0);
    assert.equal(lineChart([]).width, 720);
    assert.throws(() => lineChart([{ name: 'a', values: [1] }], { width: 60, height: 40 }), ValueError);
  });

  it('niceStep gives 1, 2, 2.5 or 5 times a power of ten', () => {
    assert.equal(niceStep(1), 0.2);
    assert.equal(niceStep(0.8), 0.2);
    assert.equal(niceStep(12), 2.5);
    assert.equal(niceStep(40, 8), 5);
    assert.equal(niceStep(0), 1);
  });
});
