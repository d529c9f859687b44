import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ValueError } from '../util/errors.js';
import { DEMO_CONFIG, FULL_CONFIG, POC_METHODS, TINY_CONFIG, type PocConfig, type PocMethod } from '../experiments/poc-config.js';
import { runPoc, type PocRun } from '../experiments/poc.js';
import { markdownTable, writeReport } from '../experiments/report.js';
import { type Command, intFlag } from './run.js';

/** Fails early, before minutes of training, if results could not be written. */
function ensureWritableDir(dir: string): void {
  try {
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new ValueError(`--out ${dir} exists and is not a directory`);
    } else {
      mkdirSync(dir, { recursive: true });
    }
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof ValueError) throw e;
    throw new ValueError(`cannot write to --out ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a writable directory`);
  }
}

async function runExperiment(
  config: PocConfig,
  values: Record<string, string | boolean | undefined>,
  defaultOut: string,
  command: string,
  checkpoints: boolean,
): Promise<number> {
  const out = resolve(String(values.out ?? defaultOut));
  ensureWritableDir(out);
  const seed = intFlag(values.seed, 'seed', config.seed, 0);
  const seeds = intFlag(values.seeds, 'seeds', 1, 1);
  if (typeof values.methods === 'string') {
    const ms = values.methods.split(',').map((s) => s.trim()) as PocMethod[];
    for (const m of ms) if (!(POC_METHODS as readonly string[]).includes(m)) throw new ValueError(`--methods: unknown method '${m}' (known: ${POC_METHODS.join(', ')})`);
    config = { ...config, methods: ms };
  }
  if (typeof values.set === 'string') config = applyOverrides(config, values.set);
  const t0 = performance.now();
  const runs: PocRun[] = [];
  for (let s = 0; s < seeds; s++) {
    process.stderr.write(`== seed ${seed + s} (${s + 1}/${seeds})\n`);
    runs.push(
      runPoc(
        { ...config, seed: seed + s },
        { checkpointDir: checkpoints ? join(out, 'checkpoints') : undefined, resume: Boolean(values.resume), quiet: Boolean(values.quiet) },
      ),
    );
  }
  const rows = writeReport(out, config, runs, { command, totalSeconds: (performance.now() - t0) / 1000 });
  process.stdout.write(`\n${markdownTable(rows)}\n\nWrote ${join(out, 'results.json')}, results.md, figure.png, curves.png\n`);
  return 0;
}

/** `--set size3d=32,epochs3d=12`: overrides of numeric config fields, each checked by validateConfig. */
export function applyOverrides(config: PocConfig, spec: string): PocConfig {
  const out: Record<string, unknown> = { ...config };
  for (const item of spec.split(',')) {
    const [k, v] = item.split('=').map((s) => s.trim());
    if (!(k in config) || k === 'methods' || k === 'seed') {
      const keys = Object.keys(config).filter((x) => x !== 'methods' && x !== 'seed');
      throw new ValueError(`--set: unknown key '${k}' (known: ${keys.join(', ')})`);
    }
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(n)) throw new ValueError(`--set ${k}: expected a number, got '${v ?? ''}'`);
    out[k] = n;
  }
  return out as unknown as PocConfig;
}

/** The command line as typed, for the reports (`acs demo --seeds 3`). */
function invocation(): string {
  return ['acs', ...process.argv.slice(2)].join(' ');
}

const common = {
  out: { type: 'string', description: 'output directory' },
  seed: { type: 'string', description: 'first random seed (default 0)' },
  seeds: { type: 'string', description: 'number of seeds; the table shows mean ± std' },
  methods: { type: 'string', description: `comma-separated subset of: ${POC_METHODS.join(', ')}` },
  quiet: { type: 'boolean', description: 'no progress bars' },
  set: { type: 'string', description: 'override the scale, e.g. size3d=32,epochs3d=12,n3dTrain=48,width=0.5' },
} as const;

export const demoCommand: Command = {
  name: 'demo',
  summary: "the paper's proof-of-concept experiment at a ten-minute scale: 2D-pretrained ACS vs 3D, 2.5D, 2D",
  usage: 'acs demo [--out DIR] [--seed N] [--seeds K] [--methods a,b] [--tiny] [--checkpoints]',
  options: {
    ...common,
    tiny: { type: 'boolean', description: 'a seconds-long smoke-test scale' },
    checkpoints: { type: 'boolean', description: 'save the models and a test volume (NIfTI) in DIR/checkpoints, for acs infer' },
  },
  run: (v) => runExperiment(v.tiny ? TINY_CONFIG : DEMO_CONFIG, v, 'demo-out', invocation(), Boolean(v.checkpoints)),
};

export const pocCommand: Command = {
  name: 'poc',
  summary: "the proof-of-concept experiment at the paper's full scale (hours), resumable",
  usage: 'acs poc --full [--out DIR] [--resume] [--seed N] [--seeds K]',
  options: {
    ...common,
    full: { type: 'boolean', description: "the paper's full scale (required: states the intent)" },
    resume: { type: 'boolean', description: 'continue from the checkpoints in DIR/checkpoints' },
  },
  run: (v) => {
    if (!v.full) throw new ValueError('acs poc runs the full-scale experiment: pass --full (for the ten-minute version run acs demo)');
    return runExperiment(FULL_CONFIG, v, 'poc-out', invocation(), true);
  },
};
