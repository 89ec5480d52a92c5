/**
 * Bearer-token authorization. The token file (--auth-token-file) is JSON:
 *
 *   { "tokens": [ { "token": "s3cr3t", "scope": "read-only", "name": "dashboards" }, … ] }
 *
 * User scopes are read-only < read-write < admin; each includes the ones
 * below it. Clients send `authorization: Bearer <token>` metadata (what the
 * official Bigtable clients send when given access-token credentials).
 *
 * The fourth scope, `cluster`, is for Tabula's own processes: it alone opens
 * the internal services (package tabula.internal, between master and tablet
 * servers) and it opens nothing else, so a leaked cluster token reads or
 * writes no user data through the public API, and no user token (not even
 * admin) can impersonate a tablet server. The master and tablet servers
 * take their outbound cluster token from the same file (clusterToken), so one
 * file is distributed to every process.
 */
import { readFileSync } from 'node:fs';
import { timingSafeEqual, createHash } from 'node:crypto';

export type Scope = 'read-only' | 'read-write' | 'admin' | 'cluster';
export const SCOPES: readonly Scope[] = ['read-only', 'read-write', 'admin', 'cluster'];
/** The nested user scopes, smallest first. */
const USER_SCOPES: readonly Scope[] = ['read-only', 'read-write', 'admin'];

export interface AuthTokens {
  /** The scope of a presented token, or undefined if it is not known. */
  scopeOf(token: string): Scope | undefined;
  readonly size: number;
  /** The first token of scope cluster in the file (what this process sends on internal calls), if any. */
  readonly clusterToken?: string;
}

export class AuthTokenFileError extends Error {}

/** Parses the JSON text of a token file; errors name the file and the bad entry. */
export function parseAuthTokens(text: string, source = 'auth token file'): AuthTokens {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new AuthTokenFileError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const list = (doc as { tokens?: unknown })?.tokens;
  if (!Array.isArray(list) || list.length === 0) throw new AuthTokenFileError(`${source}: needs a non-empty "tokens" array`);
  // Compared by SHA-256 digest with timingSafeEqual, so lookups do not leak token prefixes through timing.
  const entries: Array<{ digest: Buffer; scope: Scope }> = [];
  let clusterToken: string | undefined;
  list.forEach((t: unknown, i) => {
    const { token, scope } = (t ?? {}) as { token?: unknown; scope?: unknown };
    if (typeof token !== 'string' || token.length < 8) throw new AuthTokenFileError(`${source}: tokens[${i}].token must be a string of at least 8 characters`);
    if (!SCOPES.includes(scope as Scope)) throw new AuthTokenFileError(`${source}: tokens[${i}].scope must be one of ${SCOPES.join(', ')}`);
    entries.push({ digest: digest(token), scope: scope as Scope });
    if (scope === 'cluster') clusterToken ??= token;
  });
  return {
    size: entries.length,
    clusterToken,
    scopeOf(token) {
      const d = digest(token);
      let found: Scope | undefined;
      for (const e of entries) if (timingSafeEqual(e.digest, d)) found = e.scope;
      return found;
    },
  };
}

export function loadAuthTokens(file: string): AuthTokens {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AuthTokenFileError(`--auth-token-file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseAuthTokens(text, `--auth-token-file ${file}`);
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** True if `have` covers `need`: user scopes nest, cluster covers only cluster. */
export function scopeCovers(have: Scope, need: Scope): boolean {
  if (have === 'cluster' || need === 'cluster') return have === need;
  return USER_SCOPES.indexOf(have) >= USER_SCOPES.indexOf(need);
}
