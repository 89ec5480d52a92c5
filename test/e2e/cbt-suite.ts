/**
 * Runs CBT_SCRIPT against one server as a vitest suite: the server starts in
 * beforeAll and stops in afterAll, and every step is one test, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../support/servers.js';
import { formatCbtRows, maskNow, parseCbtRows, runCbt, type CbtRow } from './cbt-runner.js';
import { CBT_SCRIPT, DIVERGENCES, type Expectation, type ServerKind, type Step } from './cbt-script.js';

/** The command line as a person would type it (for test names and messages). */
export function commandLine(args: readonly string[]): string {
  return ['cbt', ...args.map((a) => (/^[\w.=:,@/-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))].join(' ');
}

/**
 * Checks what Bigtable documents about the rows of any read: row keys
 * ascending, and within a column timestamps strictly descending (cbt keeps the
 * server's order of versions; see cbt-runner.ts).
 */
function checkRowOrder(parsed: readonly CbtRow[], what: string): void {
  for (let i = 1; i < parsed.length; i++) {
    expect(parsed[i - 1]!.key < parsed[i]!.key, `${what}: row keys out of order`).toBe(true);
  }
  for (const r of parsed) {
    for (let i = 1; i < r.cells.length; i++) {
      const a = r.cells[i - 1]!;
      const b = r.cells[i]!;
      if (a.family !== b.family || a.qualifier !== b.qualifier || a.timestamp === '<now>' || b.timestamp === '<now>') continue;
      expect(a.timestamp > b.timestamp, `${what}: ${r.key} ${a.family}:${a.qualifier} versions not newest first`).toBe(true);
    }
  }
}

async function runStep(endpoint: string, step: Step, kind: ServerKind, sinceMs: number): Promise<void> {
  const divergence = step.on?.[kind];
  const want: Expectation = divergence ?? step;
  const what = `${commandLine(step.cbt)}${divergence ? ` [${kind} divergence ${divergence.why}: ${DIVERGENCES[divergence.why]}]` : ''}`;
  const res = await runCbt(endpoint, step.cbt);
  if (want.fails !== undefined) {
    expect(res.code, `${what}: expected to fail with ${want.fails}; stdout:\n${res.stdout}`).not.toBe(0);
    expect(res.stderr, what).toContain(`rpc error: code = ${want.fails} `);
    return;
  }
  expect(res.code, `${what}: exit code ${String(res.code)}, stderr:\n${res.stderr}`).toBe(0);
  const out = maskNow(res.stdout, sinceMs);
  if (step.cbt[0] === 'read' || step.cbt[0] === 'lookup') {
    const parsed = parseCbtRows(out);
    expect(formatCbtRows(parsed), `${what}: parse/format round trip`).toBe(out);
    checkRowOrder(parsed, what);
  }
  const expected = want.out ?? '';
  if (typeof expected === 'string') expect(out, what).toBe(expected);
  else expect(expected, `${what}: output is none of the accepted ones:\n${out}`).toContain(out);
}

/** Declares `describe(name)`: start a server, run every step of CBT_SCRIPT, stop it. */
export function defineCbtSuite(name: string, kind: ServerKind, start: () => Promise<RunningServer>): void {
  describe(name, () => {
    let server: RunningServer | undefined;
    let sinceMs = 0;

    beforeAll(async () => {
      sinceMs = Date.now();
      server = await start();
    }, 45_000);

    afterAll(async () => {
      await server?.stop();
    }, 15_000);

    CBT_SCRIPT.forEach((step, i) => {
      it(`${String(i + 1).padStart(3, '0')} ${commandLine(step.cbt)}`, async () => {
        if (!server) throw new Error(`${kind} did not start`);
        await runStep(server.endpoint, step, kind, sinceMs);
      });
    });
  });
}
