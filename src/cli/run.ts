import { parseArgs } from 'node:util';
import { demoCommand, pocCommand } from './poc-commands.js';
import { infoCommand } from './info-command.js';
import { benchCommand } from './bench-command.js';
import { inferCommand } from './infer-command.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  allowPositionals?: boolean;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

const COMMANDS: Command[] = [demoCommand, pocCommand, inferCommand, benchCommand, infoCommand];

function mainHelp(): string {
  return [
    'acs — ACS convolutions for 3D medical images',
    '',
    'Usage: acs <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`),
    '',
    "Run 'acs <command> --help' for a command's options.",
  ].join('\n');
}

function commandHelp(c: Command): string {
  const opts = Object.entries(c.options).map(([k, o]) => {
    const flag = `--${k}${o.type === 'string' ? ' <value>' : ''}`;
    return `  ${flag.padEnd(22)} ${o.description}`;
  });
  return [`Usage: ${c.usage}`, '', c.summary, '', 'Options:', ...opts, `  ${'--help'.padEnd(22)} show this help`].join('\n');
}

/** Runs the CLI; returns the exit code. Errors are printed as one clear line, never a stack trace. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp() + '\n');
    return name ? 0 : 1;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`acs: unknown command '${name}'\n\n${mainHelp()}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        ...Object.fromEntries(Object.entries(cmd.options).map(([k, o]) => [k, { type: o.type }])),
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: cmd.allowPositionals ?? false,
    });
  } catch (e) {
    process.stderr.write(`acs ${cmd.name}: ${(e as Error).message}\n\n${commandHelp(cmd)}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(commandHelp(cmd) + '\n');
    return 0;
  }
  try {
    return await cmd.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
  } catch (e) {
    const err = e as Error;
    process.stderr.write(`acs ${cmd.name}: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}\n`);
    if (process.env.ACS_DEBUG) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/** Parses an integer flag, with a message naming the flag. */
export function intFlag(v: string | boolean | undefined, name: string, def: number, min = 1): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got '${String(v)}'`);
  return n;
}
