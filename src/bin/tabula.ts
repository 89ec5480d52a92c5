#!/usr/bin/env node
/**
 * The `tabula` command. Server roles (`serve`, `master`, `tablet-server`,
 * `cluster …`) are commander subcommands; the cbt-vocabulary data commands
 * and the shell (`createtable`, `read`, `shell`, …, with cbt's `-project p`
 * single-dash flags) are dispatched to src/cli.
 */
import { Command } from 'commander';
import { registerServeCommand } from './serve-command.js';
import { registerClusterCommands } from './cluster-commands.js';
import { isCliInvocation, runCli } from '../cli/cli-main.js';

const args = process.argv.slice(2);
if (isCliInvocation(args)) {
  process.exitCode = await runCli(args);
} else {
  const program = new Command('tabula')
    .description('Tabula: a persistent wide-column store that speaks the Cloud Bigtable v2 API')
    .showHelpAfterError()
    .addHelpText('after', '\nData commands in cbt\'s vocabulary (createtable, ls, read, lookup, set, count, import, shell, ...):\n  tabula [-project p] [-instance i] <command> ...   see `tabula help` and `tabula help <command>`');
  registerServeCommand(program);
  registerClusterCommands(program);
  await program.parseAsync(process.argv);
}
