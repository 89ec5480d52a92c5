/**
 * deploy/tabula.yaml stays true to the binaries: every flag its containers
 * pass and every key of its config file is an option of that role and
 * validates; the token Secret parses and has the cluster token the processes
 * need; probes and scrape annotations point at the metrics port. (Read with
 * plain text matching: the project has no YAML parser, and the file's layout
 * is simple.)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MASTER_OPTIONS, TABLET_SERVER_OPTIONS } from '../../src/bin/cluster-commands.js';
import { optionKey, type OptionSpec } from '../../src/ops/config-options.js';
import { parseAuthTokens } from '../../src/ops/auth-tokens.js';

const YAML = readFileSync(fileURLToPath(new URL('../../deploy/tabula.yaml', import.meta.url)), 'utf8');
const docs = YAML.split(/^---$/m);
const doc = (kind: string, name: string) => {
  const d = docs.find((t) => new RegExp(`^kind: ${kind}$`, 'm').test(t) && new RegExp(`^  name: ${name}$`, 'm').test(t));
  if (!d) throw new Error(`no ${kind} ${name} in deploy/tabula.yaml`);
  return d;
};

/** The literal block `key: |` (indented `indent` spaces) as text. */
function block(text: string, key: string): string {
  const m = new RegExp(`^(\\s*)${key.replace('.', '\\.')}: \\|\\n((?:\\1  .*\\n|\\s*\\n)+)`, 'm').exec(text);
  if (!m) throw new Error(`no block ${key}`);
  return m[2]!;
}

function flagsOf(args: string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  args.forEach((a, i) => { if (a.startsWith('--')) out.set(a, args[i + 1]?.startsWith('--') ? undefined : args[i + 1]); });
  return out;
}

function checkFlags(args: string[], specs: OptionSpec[]): void {
  const byFlag = new Map(specs.map((s) => [s.flag.split(' ')[0]!, s]));
  for (const [flag, value] of flagsOf(args)) {
    const spec = byFlag.get(flag);
    expect(spec, `${flag} is an option`).toBeDefined();
    if (spec?.parse && value !== undefined && !value.startsWith('$(')) expect(() => spec.parse!(value), `${flag} ${value}`).not.toThrow();
  }
}

describe('deploy/tabula.yaml', () => {
  const config = JSON.parse(block(doc('ConfigMap', 'tabula-config'), 'config.json')) as Record<string, unknown>;
  const master = doc('StatefulSet', 'tabula-master');
  const servers = doc('StatefulSet', 'tabula-tablet-server');
  const masterArgs = /args: \[(.*)\]/.exec(master)![1]!.split(',').map((s) => s.trim().replace(/^"|"$/g, ''));
  // The tablet server's args are a block list: the `- item` lines right after `args:`.
  const tsArgs = /^\s*args:\n((?:\s*- .*\n)+)/m.exec(servers)![1]!.split('\n').filter(Boolean)
    .map((l) => l.replace(/^\s*- /, '').replace(/\s+#.*$/, '').replace(/^"|"$/g, ''));

  it('every config-file key is an option of both roles and its value validates', () => {
    expect(Object.keys(config).length).toBeGreaterThan(3);
    for (const specs of [MASTER_OPTIONS, TABLET_SERVER_OPTIONS]) {
      const byKey = new Map(specs.map((s) => [optionKey(s.flag), s]));
      for (const [k, v] of Object.entries(config)) {
        const spec = byKey.get(k);
        expect(spec, k).toBeDefined();
        expect(() => spec!.parse?.(v), `${k}: ${JSON.stringify(v)}`).not.toThrow();
      }
    }
    expect(config).toMatchObject({ authTokenFile: expect.any(String), tlsCert: expect.any(String), tlsKey: expect.any(String) });
  });

  it('the containers pass only flags their role knows', () => {
    expect(masterArgs[0]).toBe('master');
    checkFlags(masterArgs, MASTER_OPTIONS);
    expect(tsArgs[0]).toBe('tablet-server');
    checkFlags(tsArgs, TABLET_SERVER_OPTIONS);
    expect(flagsOf(tsArgs).get('--master')).toBe(`tabula-master-0.tabula-master:${flagsOf(masterArgs).get('--port')}`);
    expect(flagsOf(tsArgs).get('--advertise-host')).toBe('$(POD_NAME).tabula-tablet-server');
    expect(servers).toMatch(/name: POD_NAME\s+valueFrom: \{ fieldRef: \{ fieldPath: metadata\.name \} \}/);
  });

  it('probes and scrape annotations use the metrics port', () => {
    for (const [d, args] of [[master, masterArgs], [servers, tsArgs]] as const) {
      const port = flagsOf(args).get('--metrics-port');
      expect(d).toContain(`prometheus.io/port: "${port}"`);
      expect(d).toContain(`{ name: metrics, containerPort: ${port} }`);
      expect(d).toMatch(/livenessProbe:\s+httpGet: \{ path: \/healthz, port: metrics \}/);
      expect(d).toMatch(/readinessProbe:.*\s+httpGet: \{ path: \/readyz, port: metrics \}/);
      expect(d).toContain('secretName: tabula-tokens');
      expect(d).toContain('secretName: tabula-tls');
    }
  });

  it('the token Secret parses and holds the cluster token internal calls need', () => {
    const tokens = parseAuthTokens(block(doc('Secret', 'tabula-tokens'), 'tokens.json'), 'tokens.json');
    expect(tokens.clusterToken).toBeDefined();
    expect(tokens.size).toBe(4);
  });
});
