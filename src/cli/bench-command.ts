import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ValueError } from '../util/errors.js';
import type { Command } from './run.js';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run the operator and model benchmarks (side by side with PyTorch when available); writes BENCHMARKS.md (BENCHMARKS-<isa>.md under ACSCONV_ISA)',
  usage: 'acs bench [names...] [--torch] [--no-write]',
  allowPositionals: true,
  options: {
    torch: { type: 'boolean', description: 'require the PyTorch side (fail if /usr/bin/python3 has no torch)' },
    'no-write': { type: 'boolean', description: 'print the tables only, do not rewrite BENCHMARKS.md' },
  },
  run: async (v, names) => {
    // The benchmarks live in bench/ beside src/ (compiled to dist/bench), as the repository keeps them.
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
    const mod = (await import(pathToFileURL(join(root, 'dist', 'bench', 'run.js')).href)) as {
      runBenchmarks: (names: string[], out: string | null) => Promise<string>;
      torchAvailable: () => boolean;
      benchmarksFile: (root: string, names: readonly string[]) => string | null;
    };
    if (v.torch && !mod.torchAvailable()) throw new ValueError('--torch: /usr/bin/python3 cannot import torch (apt-get install -y python3-torch)');
    const text = await mod.runBenchmarks(names, v['no-write'] ? null : mod.benchmarksFile(root, names));
    process.stdout.write(text + '\n');
    return 0;
  },
};
