/** The scope table of every public RPC and the token-file parser. */
import { describe, expect, it } from 'vitest';
import { parseAuthTokens, scopeCovers } from '../../src/ops/auth-tokens.js';
import { requiredScope } from '../../src/ops/method-scope.js';
import { dataServiceServerDefinition } from '../../src/api/data-service.js';
import { tableAdminServiceDefinition, instanceAdminServiceDefinition } from '../../src/api/protos.js';
import { masterServiceDefinition, tabletServerServiceDefinition } from '../../src/rpc/internal-protos.js';

const paths = (def: object) => Object.values(def).map((m: { path: string }) => m.path);

describe('requiredScope', () => {
  it('data reads need read-only, data writes read-write, everything else admin', () => {
    const got = Object.fromEntries(paths(dataServiceServerDefinition).map((p) => [p.split('/')[2], requiredScope(p)]));
    expect(got).toMatchObject({
      ReadRows: 'read-only', SampleRowKeys: 'read-only', PingAndWarm: 'read-only',
      MutateRow: 'read-write', MutateRows: 'read-write', CheckAndMutateRow: 'read-write', ReadModifyWriteRow: 'read-write',
    });
    for (const p of [...paths(tableAdminServiceDefinition), ...paths(instanceAdminServiceDefinition)]) {
      const method = p.split('/')[2]!;
      expect(requiredScope(p), p).toBe(/^(Get|List)/.test(method) ? 'read-only' : 'admin');
    }
    expect(requiredScope('/google.bigtable.admin.v2.BigtableTableAdmin/CreateTable')).toBe('admin');
    expect(requiredScope('/google.bigtable.admin.v2.BigtableTableAdmin/DropRowRange')).toBe('admin');
    expect(requiredScope('/grpc.health.v1.Health/Check')).toBeUndefined();
    expect(requiredScope('/some.Unknown/Thing')).toBe('admin');
    expect(requiredScope('garbage')).toBe('admin');
  });

  it('internal services need the cluster scope, except the master\'s operator commands (admin)', () => {
    for (const p of paths(tabletServerServiceDefinition)) expect(requiredScope(p), p).toBe('cluster');
    const master = Object.fromEntries(paths(masterServiceDefinition).map((p) => [p.split('/')[2], requiredScope(p)]));
    expect(master).toEqual({
      RegisterServer: 'cluster', Heartbeat: 'cluster', LocateTable: 'cluster',
      ClusterStatus: 'admin', MoveTablet: 'admin', SplitTable: 'admin', CompactTable: 'admin', Balance: 'admin',
    });
  });

  it('the cluster scope covers only itself, and no user scope covers it', () => {
    for (const need of ['read-only', 'read-write', 'admin'] as const) {
      expect(scopeCovers('cluster', need)).toBe(false);
      expect(scopeCovers(need, 'cluster')).toBe(false);
    }
    expect(scopeCovers('cluster', 'cluster')).toBe(true);
  });

  it('scopes nest: admin ⊇ read-write ⊇ read-only', () => {
    expect(scopeCovers('admin', 'read-write')).toBe(true);
    expect(scopeCovers('read-write', 'read-only')).toBe(true);
    expect(scopeCovers('read-write', 'admin')).toBe(false);
    expect(scopeCovers('read-only', 'read-write')).toBe(false);
  });
});

describe('parseAuthTokens', () => {
  it('maps tokens to scopes and knows nothing else', () => {
    const t = parseAuthTokens(JSON.stringify({ tokens: [{ token: 'abcdefgh1', scope: 'read-only' }, { token: 'abcdefgh2', scope: 'admin' }] }));
    expect(t.size).toBe(2);
    expect(t.scopeOf('abcdefgh1')).toBe('read-only');
    expect(t.scopeOf('abcdefgh2')).toBe('admin');
    expect(t.scopeOf('abcdefgh')).toBeUndefined();
    expect(t.scopeOf('')).toBeUndefined();
    expect(t.clusterToken).toBeUndefined();
  });

  it('knows the first cluster token, which processes send on internal calls', () => {
    const t = parseAuthTokens(JSON.stringify({ tokens: [
      { token: 'user-token-1', scope: 'admin' }, { token: 'cluster-token-1', scope: 'cluster' }, { token: 'cluster-token-2', scope: 'cluster' },
    ] }));
    expect(t.clusterToken).toBe('cluster-token-1');
    expect(t.scopeOf('cluster-token-2')).toBe('cluster');
  });

  it('rejects malformed files naming the entry', () => {
    expect(() => parseAuthTokens('{', 'f.json')).toThrow(/^f\.json: not valid JSON/);
    expect(() => parseAuthTokens('{"tokens": []}', 'f.json')).toThrow('f.json: needs a non-empty "tokens" array');
    expect(() => parseAuthTokens('{"tokens": [{"token": "short", "scope": "admin"}]}', 'f.json')).toThrow('f.json: tokens[0].token must be a string of at least 8 characters');
    expect(() => parseAuthTokens('{"tokens": [{"token": "long-enough", "scope": "write"}]}', 'f.json')).toThrow('f.json: tokens[0].scope must be one of read-only, read-write, admin, cluster');
  });
});
