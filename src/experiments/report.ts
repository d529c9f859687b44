/** Turns proof-of-concept runs into the table, results.json, results.md, figure.png and curves.png. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { savePng } from '../io/png.js';
import { SHAPE_CLASSES_3D } from '../data/synthetic-3d.js';
import { lineChart, slicesFigure } from './plot.js';
import type { PocConfig } from './poc-config.js';
import type { PocRun } from './poc.js';

export interface SummaryRow {
  method: string;
  dice: number;
  diceStd: number;
  iou: number;
  iouStd: number;
  bestDice: number;
  trainSeconds: number;
  params: number;
  seeds: number;
  perSeed: Array<{ seed: number; dice: number; iou: number; bestDice: number; bestEpoch: number; dicePerEpoch: number[]; trainSeconds: number }>;
}

function meanStd(v: number[]): [number, number] {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const s = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return [m, s];
}

export function summarize(runs: PocRun[]): SummaryRow[] {
  const methods = runs[0].rows.map((r) => r.method);
  return methods.map((method) => {
    const per = runs.map((run) => ({ seed: run.seed, ...run.rows.find((r) => r.method === method)! }));
    const [dice, diceStd] = meanStd(per.map((p) => p.dice));
    const [iou, iouStd] = meanStd(per.map((p) => p.iou));
    return {
      method,
      dice,
      diceStd,
      iou,
      iouStd,
      bestDice: meanStd(per.map((p) => p.bestDice))[0],
      trainSeconds: meanStd(per.map((p) => p.trainSeconds))[0],
      params: per[0].params,
      seeds: runs.length,
      perSeed: per.map((p) => ({ seed: p.seed, dice: p.dice, iou: p.iou, bestDice: p.bestDice, bestEpoch: p.bestEpoch, dicePerEpoch: p.dicePerEpoch, trainSeconds: p.trainSeconds })),
    };
  });
}

const fmt = (m: number, s: number, seeds: number): string => (seeds > 1 ? `${m.toFixed(3)} ± ${s.toFixed(3)}` : m.toFixed(3));

/** The results table as markdown (also printed to the terminal). */
export function markdownTable(rows: SummaryRow[]): string {
  const lines = [
    '| method | test Dice | test IoU | best-epoch Dice | train s | params |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) => `| ${r.method} | ${fmt(r.dice, r.diceStd, r.seeds)} | ${fmt(r.iou, r.iouStd, r.seeds)} | ${r.bestDice.toFixed(3)} | ${r.trainSeconds.toFixed(0)} | ${r.params.toLocaleString('en-US')} |`,
    ),
  ];
  return lines.join('\n');
}

function verdict(rows: SummaryRow[]): string {
  const by = new Map(rows.map((r) => [r.method, r.dice]));
  const acs = by.get('acs-pretrained');
  if (acs === undefined) return '';
  const others = rows.filter((r) => r.method !== 'acs-pretrained');
  const beaten = others.filter((r) => r.dice < acs).map((r) => r.method);
  const notBeaten = others.filter((r) => r.dice >= acs).map((r) => `${r.method} (${r.dice.toFixed(3)})`);
  return notBeaten.length === 0
    ? `ACS with 2D-pretrained weights has the highest test Dice (${acs.toFixed(3)}), as the paper reports.`
    : `ACS pretrained (${acs.toFixed(3)}) beats ${beaten.join(', ') || 'none of the others'}, but not ${notBeaten.join(', ')}: this run does not reproduce the paper's ordering in full.`;
}

/** Writes every output file into `dir` (each atomically). */
export function writeReport(dir: string, config: PocConfig, runs: PocRun[], extra: { command: string; totalSeconds: number }): SummaryRow[] {
  mkdirSync(dir, { recursive: true });
  const rows = summarize(runs);
  const enc = new TextEncoder();
  const json = {
    command: extra.command,
    date: new Date().toISOString(),
    totalSeconds: extra.totalSeconds,
    config,
    pretrain2dDice: runs.map((r) => r.pretrain2dDice),
    metric: 'mean over the five object classes (background excluded) of Dice and IoU over all test voxels',
    rows,
  };
  writeFileAtomic(join(dir, 'results.json'), [enc.encode(JSON.stringify(json, null, 2) + '\n')]);
  const md = [
    '# Proof-of-concept results',
    '',
    `Command: \`${extra.command}\` — ${new Date().toISOString().slice(0, 10)}, ${(extra.totalSeconds / 60).toFixed(1)} min in all.`,
    '',
    `Scale: 2D pretraining on ${config.n2dTrain} images of ${config.size2d}² for ${config.epochs2d} epochs (SGD lr ${config.lr2d}${config.cosine ? ' with cosine decay' : ' constant'}, batch ${config.batch2d}); ` +
      `3D: ${config.n3dTrain} training / ${config.n3dTest} test volumes of ${config.size3d}³, ${config.epochs3d} epochs, Adam lr ${config.lr3d}${config.cosine ? ' with cosine decay' : ' constant'}, batch ${config.batch3d}, soft Dice loss; UNet width ×${config.width}; seeds ${runs.map((r) => r.seed).join(', ')}.`,
    '',
    `2D pretraining test Dice: ${runs.map((r) => r.pretrain2dDice.toFixed(3)).join(', ')}.`,
    '',
    markdownTable(rows),
    '',
    'Test Dice and IoU: after the last epoch, mean over the five object classes (background excluded), over all test voxels.',
    'Best-epoch Dice is the best of the per-epoch test scores (what the reference reports); it is selected on the test set and so optimistic.',
    '',
    verdict(rows),
    '',
  ].join('\n');
  writeFileAtomic(join(dir, 'results.md'), [enc.encode(md)]);
  const run0 = runs[0];
  const fig = slicesFigure({
    image: run0.figure.image,
    truth: run0.figure.truth,
    predictions: run0.figure.predictions,
    classNames: [...SHAPE_CLASSES_3D],
    title: `test volume 0, seed ${run0.seed}`,
  });
  savePng(join(dir, 'figure.png'), fig.data, fig.width, fig.height);
  const chart = lineChart(
    rows.map((r) => ({ name: r.method, values: r.perSeed[0].dicePerEpoch })),
    { title: `Test Dice per epoch (seed ${run0.seed})`, yLabel: 'Dice', yRange: [0, 1] },
  );
  savePng(join(dir, 'curves.png'), chart.data, chart.width, chart.height);
  return rows;
}
