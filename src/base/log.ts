/**
 * Named loggers per component (wal, flush, compaction, assign, rpc, ...):
 * pino children of one root writing JSON lines to stderr. Silent unless
 * TABULA_LOG=debug|info|warn|error is set or a process calls setLogLevel()
 * (tabula serve does, from --log-level).
 *
 * Children are usually created at module load, before the level is known,
 * and pino children keep the level they were created with — so setLogLevel
 * updates every child handed out so far.
 */
import { pino, type Logger } from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const root: Logger = pino({ level: process.env.TABULA_LOG ?? 'silent', base: undefined }, pino.destination(2));
const children: Logger[] = [];

export type { Logger };

export function logger(component: string): Logger {
  const child = root.child({ c: component });
  children.push(child);
  return child;
}

export function rootLogger(): Logger {
  return root;
}

/** Sets the level of the root and every component logger. */
export function setLogLevel(level: LogLevel): void {
  root.level = level;
  for (const c of children) c.level = level;
}
