#!/usr/bin/env node
/** The `acs` command: thin argument parsing over the library (each subcommand in its own file). */
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2));
