/**
 * Keeps the layering of DESIGN §7 checkable: which src/ folders may import
 * which, and no import cycles between folders. A new dependency that breaks
 * the picture fails here, not in review.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Allowed imports per top-level folder (itself is always allowed). */
const ALLOWED: Record<string, string[]> = {
  base: [],
  storage: ['base'],
  model: ['base'],
  lsm: ['base', 'storage'],
  tablet: ['base', 'storage', 'lsm', 'model'],
  rpc: ['base', 'model'],
  tabletserver: ['base', 'storage', 'lsm', 'model', 'tablet', 'rpc'],
  api: ['base', 'model', 'rpc'],
  master: ['base', 'model', 'rpc', 'api', 'storage', 'lsm/manifest'],
  client: ['base', 'model', 'api/protos', 'api/table-name', 'api/backup-name'],
  cli: ['base', 'model', 'client', 'api/protos', 'api/table-name', 'api/backup-name'],
  bin: ['*'],
  ops: ['*'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2]!;
    out.push(relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, ''));
  }
  return out;
}

describe('architecture (DESIGN §7)', () => {
  const all = files(SRC);

  it('folders import only what the layering allows', () => {
    // Guard against a parser that silently finds nothing.
    expect(all.reduce((n, f) => n + imports(f).length, 0)).toBeGreaterThan(200);
    const violations: string[] = [];
    for (const f of all) {
      const from = relative(SRC, f).split('/')[0]!;
      const allowed = ALLOWED[from];
      if (!allowed) { violations.push(`${relative(SRC, f)}: folder "${from}" has no layering rule`); continue; }
      if (allowed.includes('*')) continue;
      for (const target of imports(f)) {
        const top = target.split('/')[0]!;
        if (top === from) continue;
        if (!allowed.some((a) => target === a || target.startsWith(`${a}/`) || top === a)) {
          violations.push(`${relative(SRC, f)} imports ${target}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('has no import cycles between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const f of all) {
      const from = relative(SRC, f).split('/')[0]!;
      for (const t of imports(f)) {
        const to = t.split('/')[0]!;
        if (to !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
      }
    }
    const cycles: string[] = [];
    const visit = (n: string, path: string[]) => {
      if (path.includes(n)) { cycles.push([...path.slice(path.indexOf(n)), n].join(' -> ')); return; }
      for (const m of edges.get(n) ?? []) visit(m, [...path, n]);
    };
    for (const n of edges.keys()) visit(n, []);
    expect(cycles).toEqual([]);
  });
});
