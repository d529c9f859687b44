import { ShapeError, ValueError } from '../util/errors.js';
import { shapeStr } from '../util/shape.js';
import type { DType, Tensor } from '../tensor/tensor.js';
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textHeight, textWidth } from './font.js';

/*
 * Figures for the proof-of-concept experiment, drawn into plain RGB buffers (encode them with
 * io.encodePng / io.savePng): a grid of orthogonal slices, and a line chart of per-epoch curves.
 * Pure functions of their inputs: no canvas, no fonts from the system.
 */

/** An 8-bit RGB image, row-major, 3 bytes per pixel (`data.length === 3 · width · height`). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type Rgb = readonly [number, number, number];

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
const GREY: Rgb = [150, 150, 150];
const LIGHT: Rgb = [228, 228, 228];

/** Label colours by class value: 0 (background) black, then distinct hues for classes 1.. */
export const LABEL_PALETTE: readonly Rgb[] = [
  [0, 0, 0],
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
];

/** Line colours for chart series (matplotlib's tab10). */
export const SERIES_COLORS: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

/** A blank image filled with `bg` (default white). */
export function createImage(width: number, height: number, bg: Rgb = WHITE): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ValueError(`createImage: width and height must be positive integers, got ${width}×${height}`);
  }
  const img = { width, height, data: new Uint8Array(width * height * 3) };
  fillRect(img, 0, 0, width, height, bg);
  return img;
}

/** Sets one pixel; coordinates outside the image are ignored (drawing clips). */
export function setPixel(img: RgbImage, x: number, y: number, c: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const o = 3 * (y * img.width + x);
  img.data[o] = c[0];
  img.data[o + 1] = c[1];
  img.data[o + 2] = c[2];
}

/** Fills the rectangle [x, x + w) × [y, y + h), clipped to the image. */
export function fillRect(img: RgbImage, x: number, y: number, w: number, h: number, c: Rgb): void {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(img.width, Math.floor(x + w));
  const y1 = Math.min(img.height, Math.floor(y + h));
  for (let yy = y0; yy < y1; yy++) {
    for (let xx = x0; xx < x1; xx++) {
      const o = 3 * (yy * img.width + xx);
      img.data[o] = c[0];
      img.data[o + 1] = c[1];
      img.data[o + 2] = c[2];
    }
  }
}

/** A one-pixel rectangle outline. */
export function strokeRect(img: RgbImage, x: number, y: number, w: number, h: number, c: Rgb): void {
  fillRect(img, x, y, w, 1, c);
  fillRect(img, x, y + h - 1, w, 1, c);
  fillRect(img, x, y, 1, h, c);
  fillRect(img, x + w - 1, y, 1, h, c);
}

/** Draws `text` with the 5×7 font, top-left at (x, y), each font pixel a `scale`×`scale` block. */
export function drawText(img: RgbImage, x: number, y: number, text: string, c: Rgb, scale = 1): void {
  let cx = Math.round(x);
  const cy = Math.round(y);
  for (const ch of text) {
    const g = glyph(ch);
    for (let col = 0; col < GLYPH_WIDTH; col++) {
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        if (g[col] & (1 << row)) fillRect(img, cx + col * scale, cy + row * scale, scale, scale, c);
      }
    }
    cx += GLYPH_ADVANCE * scale;
  }
}

/**
 * Draws `text` turned 90° anticlockwise (read bottom to top, as a y-axis label); (x, y) is the top-left
 * of its box, which is textHeight(scale) wide and textWidth(text, scale) tall.
 */
export function drawTextVertical(img: RgbImage, x: number, y: number, text: string, c: Rgb, scale = 1): void {
  const bottom = Math.round(y) + textWidth(text, scale);
  let k = 0;
  for (const ch of text) {
    const g = glyph(ch);
    for (let col = 0; col < GLYPH_WIDTH; col++) {
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        if (!(g[col] & (1 << row))) continue;
        const px = Math.round(x) + row * scale;
        const py = bottom - (k * GLYPH_ADVANCE + col + 1) * scale;
        fillRect(img, px, py, scale, scale, c);
      }
    }
    k++;
  }
}

/** A straight line (Bresenham), `thickness` pixels wide. */
export function drawLine(img: RgbImage, x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1): void {
  let x = Math.round(x0);
  let y = Math.round(y0);
  const xe = Math.round(x1);
  const ye = Math.round(y1);
  const dx = Math.abs(xe - x);
  const dy = -Math.abs(ye - y);
  const sx = x < xe ? 1 : -1;
  const sy = y < ye ? 1 : -1;
  const off = Math.floor((thickness - 1) / 2);
  let err = dx + dy;
  while (true) {
    fillRect(img, x - off, y - off, thickness, thickness, c);
    if (x === xe && y === ye) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Slices figure

export interface SlicesFigureOptions {
  /** The input volume, [D, H, W] or [1, D, H, W]. */
  image: Tensor<DType>;
  /** Ground-truth labels [D, H, W]. */
  truth: Tensor<DType>;
  /** Each method's predicted labels [D, H, W], one figure row each, in order. */
  predictions: readonly { name: string; label: Tensor<DType> }[];
  /** Class names by label value; when given, a colour legend of classes 1.. is drawn below. */
  classNames?: readonly string[];
  /** Display pixels per voxel (default 3). */
  scale?: number;
  /**
   * Slice indices [d, h, w] of the axial, coronal and sagittal planes. Default: along each axis the
   * slice with the most object voxels in the truth (the exact middle runs between the octants of the
   * synthetic set and would show little).
   */
  slices?: readonly [number, number, number];
  /** A title line above the grid. */
  title?: string;
  /** Font scale of titles (default 2). */
  fontScale?: number;
}

const PAD = 10;
const GAP = 6;

function volumeShape(t: Tensor<DType>, what: string): [number, number, number] {
  const s = t.ndim === 4 && t.shape[0] === 1 ? t.shape.slice(1) : t.shape;
  if (s.length !== 3) throw new ShapeError(`slicesFigure: ${what} must be [D, H, W] (or [1, D, H, W]), got ${shapeStr(t.shape)}`);
  return [s[0], s[1], s[2]];
}

/** Index along `axis` of the slice holding the most non-zero labels (the middle when all are zero). */
export function busiestSlice(label: Tensor<DType>, axis: 0 | 1 | 2): number {
  const [D, H, W] = volumeShape(label, 'label');
  const counts = new Array<number>([D, H, W][axis]).fill(0);
  const d = label.data;
  for (let z = 0, i = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++, i++) if (d[i] !== 0) counts[axis === 0 ? z : axis === 1 ? y : x]++;
    }
  }
  let best = Math.floor(counts.length / 2);
  for (let k = 0; k < counts.length; k++) if (counts[k] > counts[best]) best = k;
  return best;
}

/** The 2D slice of a [D, H, W] volume through `index` on `axis`: axial (H×W), coronal (D×W), sagittal (D×H). */
function sliceOf(t: Tensor<DType>, shape: readonly number[], axis: number, index: number): { rows: number; cols: number; at: (r: number, c: number) => number } {
  const [D, H, W] = shape;
  const v = t.data;
  if (axis === 0) return { rows: H, cols: W, at: (r, c) => v[index * H * W + r * W + c] };
  if (axis === 1) return { rows: D, cols: W, at: (r, c) => v[r * H * W + index * W + c] };
  return { rows: D, cols: H, at: (r, c) => v[r * H * W + c * W + index] };
}

/** Robust display window: the 1st and 99th percentiles of (a sample of) the values. */
function intensityWindow(values: ArrayLike<number>): [number, number] {
  const stride = Math.max(1, Math.floor(values.length / 65536));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += stride) if (Number.isFinite(values[i])) sample.push(values[i]);
  if (sample.length === 0) return [0, 1];
  sample.sort((a, b) => a - b);
  const lo = sample[Math.floor(0.01 * (sample.length - 1))];
  const hi = sample[Math.ceil(0.99 * (sample.length - 1))];
  return hi > lo ? [lo, hi] : [lo - 0.5, lo + 0.5];
}

/**
 * A figure of orthogonal slices of one volume: columns axial, coronal, sagittal; rows the input
 * (greyscale, 1–99 % window), the ground truth and each prediction (labels in LABEL_PALETTE colours),
 * with row titles and column titles naming each plane and its slice index. Size: width = 2·PAD + rowTitle + 3·(GAP + cell) and height grows by
 * one cell (max(D, H)·scale) plus GAP per row; `data.length === 3 · width · height`.
 */
export function slicesFigure(opts: SlicesFigureOptions): RgbImage {
  const scale = opts.scale ?? 3;
  const fs = opts.fontScale ?? 2;
  if (!Number.isInteger(scale) || scale < 1) throw new ValueError(`slicesFigure: scale must be a positive integer, got ${scale}`);
  const shape = volumeShape(opts.image, 'image');
  const labelRows = [{ name: 'truth', label: opts.truth }, ...opts.predictions];
  for (const r of labelRows) {
    const s = volumeShape(r.label, `label '${r.name}'`);
    if (s.some((n, k) => n !== shape[k])) {
      throw new ShapeError(`slicesFigure: label '${r.name}' has shape ${shapeStr(s)}, the image ${shapeStr(shape)}`);
    }
  }
  const idx = opts.slices ?? ([busiestSlice(opts.truth, 0), busiestSlice(opts.truth, 1), busiestSlice(opts.truth, 2)] as const);
  idx.forEach((v, k) => {
    if (!Number.isInteger(v) || v < 0 || v >= shape[k]) {
      throw new ValueError(`slicesFigure: slice index ${v} out of range [0, ${shape[k]}) on axis ${k}`);
    }
  });
  const [D, H, W] = shape;
  const colW = [W, W, H].map((n) => n * scale);
  const cellH = Math.max(H, D) * scale;
  const colNames = [`axial ${idx[0]}`, `coronal ${idx[1]}`, `sagittal ${idx[2]}`];
  const rowNames = ['input', ...labelRows.map((r) => r.name)];
  const th = textHeight(fs);
  const rowTitleW = Math.max(...rowNames.map((n) => textWidth(n, fs)));
  const gridW = colW.reduce((a, b) => a + b + GAP, 0);
  const width = Math.max(2 * PAD + rowTitleW + gridW, 2 * PAD + (opts.title ? textWidth(opts.title, fs) : 0));
  // Column titles may be wider than small cells: shrink them to scale 1 when they do not fit.
  const colFs = colNames.every((n, k) => textWidth(n, fs) <= colW[k]) ? fs : 1;

  const legend = (opts.classNames ?? []).slice(1).map((n, k) => ({ name: n, color: LABEL_PALETTE[(k + 1) % LABEL_PALETTE.length] }));
  const legendItemW = (n: string): number => th + 4 + textWidth(n, fs) + 3 * GAP;
  const legendLines: (typeof legend)[] = [];
  for (const item of legend) {
    const line = legendLines[legendLines.length - 1];
    const used = line ? line.reduce((a, it) => a + legendItemW(it.name), 0) : Infinity;
    if (used + legendItemW(item.name) > width - 2 * PAD) legendLines.push([item]);
    else line.push(item);
  }

  const titleH = opts.title ? th + GAP : 0;
  const gridTop = PAD + titleH + textHeight(colFs) + GAP;
  const legendTop = gridTop + rowNames.length * (cellH + GAP) + GAP;
  const height = legendTop + legendLines.length * (th + GAP) + PAD - (legendLines.length ? 0 : GAP);
  const img = createImage(width, height);

  if (opts.title) drawText(img, PAD, PAD, opts.title, BLACK, fs);
  const gridLeft = PAD + rowTitleW + GAP;
  const colX = colW.map((_, k) => gridLeft + colW.slice(0, k).reduce((a, b) => a + b + GAP, 0));
  colNames.forEach((n, k) => drawText(img, colX[k], PAD + titleH, n, BLACK, colFs));

  const [lo, hi] = intensityWindow(opts.image.data);
  rowNames.forEach((name, r) => {
    const y0 = gridTop + r * (cellH + GAP);
    drawText(img, PAD, y0 + Math.floor((cellH - th) / 2), name, BLACK, fs);
    for (let axis = 0; axis < 3; axis++) {
      const vol = r === 0 ? opts.image : labelRows[r - 1].label;
      const s = sliceOf(vol, shape, axis, idx[axis]);
      for (let yy = 0; yy < s.rows; yy++) {
        for (let xx = 0; xx < s.cols; xx++) {
          const v = s.at(yy, xx);
          let c: Rgb;
          if (r === 0) {
            const g = Math.round((255 * Math.min(Math.max(v, lo), hi) - 255 * lo) / (hi - lo));
            c = [g, g, g];
          } else {
            c = v >= 0 && v < LABEL_PALETTE.length ? LABEL_PALETTE[v] : WHITE;
          }
          fillRect(img, colX[axis] + xx * scale, y0 + yy * scale, scale, scale, c);
        }
      }
      strokeRect(img, colX[axis] - 1, y0 - 1, s.cols * scale + 2, s.rows * scale + 2, GREY);
    }
  });

  legendLines.forEach((line, l) => {
    let x = PAD;
    const y = legendTop + l * (th + GAP);
    for (const it of line) {
      fillRect(img, x, y, th, th, it.color);
      strokeRect(img, x, y, th, th, GREY);
      drawText(img, x + th + 4, y, it.name, BLACK, fs);
      x += legendItemW(it.name);
    }
  });
  return img;
}

// ---------------------------------------------------------------------------------------------
// Line chart

export interface Series {
  name: string;
  /** One value per epoch (x = xStart, xStart + 1, …); non-finite values leave a gap. */
  values: readonly number[];
}

export interface LineChartOptions {
  title?: string;
  yLabel?: string;
  /** Default 'epoch'. */
  xLabel?: string;
  /** Image size in pixels (default 720 × 420). */
  width?: number;
  height?: number;
  /** Fixed y range; default: nice bounds around the data. */
  yRange?: readonly [number, number];
  /** x of each series' first value (default 1). */
  xStart?: number;
  /** Font scale of title, axis labels and legend (default 2; tick labels use 1 less, at least 1). */
  fontScale?: number;
}

/** A "nice" tick step (1, 2, 2.5 or 5 × 10^k) near `span / target`. */
export function niceStep(span: number, target = 5): number {
  if (!(span > 0)) return 1;
  const raw = span / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

function formatTick(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) + (Math.abs(step / 10 ** Math.floor(Math.log10(step) + 1e-9) - 2.5) < 1e-9 ? 1 : 0);
  return v.toFixed(decimals);
}

/**
 * A line chart of per-epoch series (e.g. test Dice per epoch per method) with axes, ticks, grid,
 * axis labels, a title and a legend at the right. Size `width × height` (default 720 × 420);
 * `data.length === 3 · width · height`.
 */
export function lineChart(series: readonly Series[], opts: LineChartOptions = {}): RgbImage {
  const width = opts.width ?? 720;
  const height = opts.height ?? 420;
  const fs = opts.fontScale ?? 2;
  const tfs = Math.max(1, fs - 1);
  const xStart = opts.xStart ?? 1;
  const xLabel = opts.xLabel ?? 'epoch';
  const img = createImage(width, height);

  const finite = series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  let [yMin, yMax] = opts.yRange ?? (finite.length ? [Math.min(...finite), Math.max(...finite)] : [0, 1]);
  if (!(yMax > yMin)) {
    yMin -= 0.5;
    yMax += 0.5;
  }
  const yStep = niceStep(yMax - yMin);
  if (!opts.yRange) {
    yMin = Math.floor(yMin / yStep + 1e-9) * yStep;
    yMax = Math.ceil(yMax / yStep - 1e-9) * yStep;
  }
  const len = Math.max(1, ...series.map((s) => s.values.length));
  const xMin = xStart;
  const xMax = xStart + Math.max(1, len - 1);
  const xStep = Math.max(1, Math.round(niceStep(xMax - xMin, 8)));

  const yTicks: number[] = [];
  for (let v = Math.ceil(yMin / yStep - 1e-9) * yStep; v <= yMax + 1e-9 * yStep; v += yStep) yTicks.push(v);
  const yTickW = Math.max(...yTicks.map((v) => textWidth(formatTick(v, yStep), tfs)));
  const th = textHeight(fs);
  const tth = textHeight(tfs);
  const legendW = series.length ? Math.max(...series.map((s) => textWidth(s.name, fs))) + 28 + 2 * GAP : 0;

  const left = PAD + (opts.yLabel ? th + GAP : 0) + yTickW + GAP;
  const top = PAD + (opts.title ? th + 2 * GAP : GAP);
  const right = width - PAD - legendW;
  const bottom = height - PAD - th - GAP - tth - GAP;
  if (right - left < 20 || bottom - top < 20) {
    throw new ValueError(`lineChart: ${width}×${height} leaves no room for the plot area; make the image larger`);
  }
  const px = (x: number): number => left + ((x - xMin) / (xMax - xMin)) * (right - left);
  const py = (y: number): number => bottom - ((y - yMin) / (yMax - yMin)) * (bottom - top);

  for (const v of yTicks) {
    const y = Math.round(py(v));
    fillRect(img, left, y, right - left, 1, LIGHT);
    fillRect(img, left - 4, y, 4, 1, BLACK);
    const label = formatTick(v, yStep);
    drawText(img, left - GAP - textWidth(label, tfs), y - Math.floor(tth / 2), label, BLACK, tfs);
  }
  for (let x = xMin; x <= xMax; x += xStep) {
    const X = Math.round(px(x));
    fillRect(img, X, bottom + 1, 1, 4, BLACK);
    const label = String(x);
    drawText(img, X - Math.floor(textWidth(label, tfs) / 2), bottom + GAP, label, BLACK, tfs);
  }
  fillRect(img, left, top, 1, bottom - top + 1, BLACK);
  fillRect(img, left, bottom, right - left + 1, 1, BLACK);

  if (opts.title) drawText(img, Math.round((left + right - textWidth(opts.title, fs)) / 2), PAD, opts.title, BLACK, fs);
  drawText(img, Math.round((left + right - textWidth(xLabel, fs)) / 2), height - PAD - th, xLabel, BLACK, fs);
  if (opts.yLabel) drawTextVertical(img, PAD, Math.round((top + bottom - textWidth(opts.yLabel, fs)) / 2), opts.yLabel, BLACK, fs);

  series.forEach((s, k) => {
    const c = SERIES_COLORS[k % SERIES_COLORS.length];
    let prev: [number, number] | null = null;
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        prev = null;
        return;
      }
      const X = px(xStart + i);
      const Y = py(Math.min(Math.max(v, yMin), yMax));
      if (prev) drawLine(img, prev[0], prev[1], X, Y, c, 2);
      if (len <= 60) fillRect(img, Math.round(X) - 2, Math.round(Y) - 2, 5, 5, c);
      prev = [X, Y];
    });
    const ly = top + k * (th + GAP);
    const lx = right + 2 * GAP;
    fillRect(img, lx, ly + Math.floor(th / 2) - 1, 20, 3, c);
    drawText(img, lx + 26, ly, s.name, BLACK, fs);
  });
  return img;
}
