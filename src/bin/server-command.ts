/**
 * The command side of a long-running server role (`tabula master`,
 * `tabula tablet-server`; `tabula serve` follows the same steps in
 * serve-command.ts): options from one OptionSpec schema (flags, TABULA_*
 * env, --config file), a bad option or unusable configuration → one line
 * `tabula NAME: …` naming it and exit code 2, the metrics line and the
 * listening line on stdout, and SIGINT/SIGTERM → a clean close, exit 0.
 */
import type { Command } from 'commander';
import { addOptions, ConfigError, resolveOptions, type OptionSpec } from '../ops/config-options.js';

export interface ServerCommand<T> {
  name: string;
  description: string;
  options: OptionSpec[];
  /** Starts the role; `line` is printed once it serves. ConfigErrors exit 2. */
  start(o: T, onMetricsListening: (port: number) => void): Promise<{ line: string; close(): Promise<void> }>;
}

export function registerServerCommand<T extends { host: string; metricsHost?: string }>(program: Command, spec: ServerCommand<T>): Command {
  const cmd = program.command(spec.name).description(spec.description);
  addOptions(cmd, spec.options);
  // A bad flag or env value is one line too (commander's message names the option), and exit 2.
  cmd.showHelpAfterError(false)
    .configureOutput({ outputError: (text, write) => write(`tabula ${spec.name}: ${text.replace(/^error: /, '')}`) })
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  cmd.action(async () => {
    let running: { line: string; close(): Promise<void> };
    try {
      const o = resolveOptions<T>(cmd, spec.options);
      running = await spec.start(o, (p) => process.stdout.write(`tabula metrics on ${o.metricsHost ?? o.host}:${p} (/metrics /healthz /readyz)\n`));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      process.stderr.write(`tabula ${spec.name}: ${e.message}\n`);
      process.exit(2);
    }
    process.stdout.write(`${running.line}\n`);
    runUntilSignal(`tabula ${spec.name}`, running.close);
  });
  return cmd;
}

/**
 * Runs until SIGINT/SIGTERM, then closes cleanly (exit 0; 1 if closing
 * failed). `prefix` starts the lines printed (e.g. "tabula master").
 */
export function runUntilSignal(prefix: string, close: () => Promise<void>, doing = 'draining calls and shutting down'): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${prefix}: ${signal}, ${doing}\n`);
    close().then(() => process.exit(0), (e) => {
      process.stderr.write(`${prefix}: shutdown failed: ${String(e)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
