/**
 * Named loggers per component (wal, flush, compaction, assign, rpc, ...).
 * Off by default; TABULA_LOG=debug|info|warn turns them on (to stderr).
 */
import { pino, type Logger } from 'pino';

const level = process.env.TABULA_LOG ?? 'silent';
const root: Logger = pino({ level, base: undefined }, pino.destination(2));

export type { Logger };

export function logger(component: string): Logger {
  return root.child({ c: component });
}

export function rootLogger(): Logger {
  return root;
}
