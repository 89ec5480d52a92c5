/**
 * Options every Tabula server process shares (serve, master, tablet-server):
 * config file, logging, metrics/health endpoint, TLS, auth and gRPC limits.
 * Commands add these to their own OptionSpec list (see config-options.ts).
 */
import { InvalidArgumentError } from 'commander';
import { MAX_RECEIVE_MESSAGE_BYTES } from '../api/limits.js';
import { LOG_LEVELS, type LogLevel } from '../base/log.js';
import { parsers, type OptionSpec } from './config-options.js';

export interface OpsOptions {
  config?: string;
  logLevel: LogLevel;
  /** undefined = no metrics/health HTTP endpoint. 0 = any free port. */
  metricsPort?: number;
  metricsHost?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  authTokenFile?: string;
  maxMessageSize: number;
  maxConcurrentStreams: number;
  drainTimeout: number;
}

/** Options of the cluster processes for their outbound internal calls (see internal-clients.ts). */
export interface InternalClientOptions {
  /** CA bundle that verifies peers' certificates; default the process's own --tls-cert. */
  tlsCa?: string;
  /** Name expected in peers' certificates; default the host part of the address dialled. */
  tlsServerName?: string;
}

/**
 * OpsOptions for an embedded or programmatic start: the `--help` defaults,
 * except logging, which stays silent unless TABULA_LOG=debug|info|warn (the
 * commands pass --log-level, default info).
 */
export function defaultOpsOptions<T extends Partial<OpsOptions>>(given: T = {} as T): OpsOptions & T {
  return {
    logLevel: (process.env.TABULA_LOG as LogLevel | undefined) ?? 'silent',
    maxMessageSize: MAX_RECEIVE_MESSAGE_BYTES,
    maxConcurrentStreams: 1000,
    drainTimeout: 10_000,
    ...given,
  } as OpsOptions & T;
}

function portOrOff(v: unknown): number | undefined {
  if (v === 'off' || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0-65535 (0 = any free port) or "off"');
  return n;
}

/** bytes and duration parsers come from the caller (bin/option-parsers) to keep one definition. */
export function opsOptionSpecs(p: { bytes: (v: unknown) => number; duration: (v: unknown) => number }): OptionSpec[] {
  return [
    { flag: '--config <file>', description: 'JSON config file; keys are the camelCase option names (flags and env override it)', env: 'TABULA_CONFIG', parse: parsers.string },
    { flag: '--log-level <level>', description: `log level (${LOG_LEVELS.join(', ')}); JSON lines on stderr`, env: 'TABULA_LOG_LEVEL', default: 'info', parse: parsers.oneOf(LOG_LEVELS) },
    { flag: '--metrics-port <port>', description: 'HTTP port for /metrics (Prometheus), /healthz and /readyz (0 = any free port)', env: 'TABULA_METRICS_PORT', defaultText: 'off', parse: portOrOff },
    { flag: '--metrics-host <host>', description: 'address of the metrics/health endpoint', env: 'TABULA_METRICS_HOST', defaultText: 'same as --host', parse: parsers.string },
    { flag: '--tls-cert <file>', description: 'PEM certificate chain: serve the API over TLS (with --tls-key)', env: 'TABULA_TLS_CERT', parse: parsers.string },
    { flag: '--tls-key <file>', description: 'PEM private key of --tls-cert', env: 'TABULA_TLS_KEY', parse: parsers.string },
    { flag: '--tls-client-ca <file>', description: 'PEM CA bundle: require client certificates signed by it (mTLS)', env: 'TABULA_TLS_CLIENT_CA', parse: parsers.string },
    { flag: '--auth-token-file <file>', description: 'JSON bearer tokens with scopes read-only, read-write or admin (and cluster: what master and tablet servers send each other); without it no auth', env: 'TABULA_AUTH_TOKEN_FILE', parse: parsers.string },
    { flag: '--max-message-size <size>', description: 'largest request message accepted (larger: RESOURCE_EXHAUSTED)', env: 'TABULA_MAX_MESSAGE_SIZE', default: MAX_RECEIVE_MESSAGE_BYTES, defaultText: '108m', parse: p.bytes },
    { flag: '--max-concurrent-streams <n>', description: 'concurrent calls per client connection', env: 'TABULA_MAX_CONCURRENT_STREAMS', default: 1000, parse: parsers.integer(1, 1_000_000) },
    { flag: '--drain-timeout <duration>', description: 'on shutdown, how long running calls may finish before they are cancelled', env: 'TABULA_DRAIN_TIMEOUT', default: 10_000, defaultText: '10s', parse: p.duration },
  ];
}

/** Extra options of `tabula master` and `tabula tablet-server`: TLS of their calls to each other. */
export function internalClientOptionSpecs(): OptionSpec[] {
  return [
    { flag: '--tls-ca <file>', description: 'PEM CA bundle that verifies the certificates of the other cluster processes (internal calls use TLS when --tls-cert is set)', env: 'TABULA_TLS_CA', defaultText: 'the --tls-cert file itself (one shared self-signed certificate)', parse: parsers.string },
    { flag: '--tls-server-name <name>', description: 'name the other processes\' certificates must carry (when it differs from the host they are dialled at)', env: 'TABULA_TLS_SERVER_NAME', defaultText: 'the host dialled', parse: parsers.string },
  ];
}
