/**
 * ReadRows streaming over gRPC against a scripted server: flow control (a
 * slow consumer pauses the producer), cancellation (break / abort signal
 * stop the scan on the server), errors in mid-stream, and a 100 MiB value.
 */
import type { CancelSignal } from '../../src/base/cancel-signal.js';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import type * as grpc from '@grpc/grpc-js';
import { Code, FailedPreconditionError, TabulaError, UnimplementedError } from '../../src/base/errors.js';
import { RemoteTabletServer, serveTabletServer } from '../../src/rpc/tablet-server-grpc.js';
import { bindInternalServer, createInternalServer, shutdownInternalServer } from '../../src/rpc/internal-server.js';
import type { TabletReadOptions, TabletServerService } from '../../src/rpc/tablet-service.js';
import type { Row } from '../../src/model/cell.js';
import type { KeyRange } from '../../src/model/key-range.js';
import type { RowMutation } from '../../src/model/mutation.js';

const unimplemented = (): never => { throw new UnimplementedError('not scripted'); };

/** A server whose readRows is whatever the current test sets. */
class ScriptedServer implements TabletServerService {
  readonly serverId = 'scripted';
  read: (tabletId: string, ranges: KeyRange[], opts: TabletReadOptions) => AsyncGenerator<Row[]> = async function* () { /* nothing */ };
  mutated: RowMutation[] = [];
  readRows(tabletId: string, ranges: KeyRange[], opts: TabletReadOptions): AsyncIterable<Row[]> { return this.read(tabletId, ranges, opts); }
  async mutate(_id: string, rms: RowMutation[]): Promise<undefined[]> { this.mutated = rms; return rms.map(() => undefined); }
  checkAndMutate = unimplemented;
  readModifyWrite = unimplemented;
  sampleRowKeys = unimplemented;
  openTablet = unimplemented;
  closeTablet = unimplemented;
  updateSchema = unimplemented;
  dropFamily = unimplemented;
  dropRange = unimplemented;
  destroyTablet = unimplemented;
  splitTablet = unimplemented;
  tabletStats = unimplemented;
  compactTablet = unimplemented;
  snapshotTablet = unimplemented;
  copySnapshot = unimplemented;
}

const impl = new ScriptedServer();
let server: grpc.Server;
let remote: RemoteTabletServer;

beforeAll(async () => {
  server = createInternalServer();
  serveTabletServer(server, impl);
  remote = new RemoteTabletServer(`127.0.0.1:${await bindInternalServer(server, '127.0.0.1', 0)}`, 'scripted');
});

afterAll(async () => {
  remote?.close();
  await shutdownInternalServer(server);
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function batch(i: number, valueBytes: number): Row[] {
  return [{ key: Buffer.from(`r${String(i).padStart(6, '0')}`), cells: [{ family: 'f', qualifier: Buffer.from('q'), timestamp: 1000, value: Buffer.alloc(valueBytes, i & 0xff) }] }];
}

describe('ReadRows streaming', () => {
  it('a slow consumer pauses the producer, and every batch still arrives in order', async () => {
    const total = 2000;
    let produced = 0;
    impl.read = async function* () {
      for (let i = 0; i < total; i++) {
        produced++;
        yield batch(i, 64 * 1024);
      }
    };
    const it = remote.readRows('t', [], { reversed: false })[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    await sleep(500);
    const whilePaused = produced;
    // 2000 × 64 KiB = 125 MiB; flow control must keep the producer well behind.
    expect(whilePaused).toBeLessThan(300);
    let n = 1;
    let last = (first.value as Row[])[0]!.key.toString();
    for (let r = await it.next(); !r.done; r = await it.next()) {
      for (const row of r.value) {
        const k = row.key.toString();
        expect(k > last).toBe(true);
        last = k;
        n++;
      }
    }
    expect(n).toBe(total);
    expect(produced).toBe(total);
  });

  it('breaking out of the iteration cancels the call and stops the scan on the server', async () => {
    let finished = false;
    let serverSignal: CancelSignal | undefined;
    let produced = 0;
    impl.read = async function* (_id, _r, opts) {
      serverSignal = opts.signal;
      try {
        for (let i = 0; ; i++) {
          produced++;
          yield batch(i, 100);
          await sleep(1);
        }
      } finally {
        finished = true;
      }
    };
    let seen = 0;
    for await (const rows of remote.readRows('t', [], { reversed: false })) {
      seen += rows.length;
      if (seen >= 5) break;
    }
    for (let i = 0; i < 200 && !finished; i++) await sleep(10);
    expect(finished).toBe(true);
    expect(serverSignal?.aborted).toBe(true);
    const after = produced;
    await sleep(50);
    expect(produced).toBe(after);
  });

  it('an aborted signal ends the client iteration quietly and stops the server', async () => {
    let finished = false;
    impl.read = async function* () {
      try {
        for (let i = 0; ; i++) {
          yield batch(i, 100);
          await sleep(2);
        }
      } finally {
        finished = true;
      }
    };
    const ac = new AbortController();
    let seen = 0;
    for await (const rows of remote.readRows('t', [], { reversed: false, signal: ac.signal })) {
      seen += rows.length;
      if (seen === 3) ac.abort();
      if (seen > 1000) throw new Error('did not stop');
    }
    for (let i = 0; i < 200 && !finished; i++) await sleep(10);
    expect(finished).toBe(true);
  });

  it('an error after some batches reaches the consumer as the same TabulaError', async () => {
    impl.read = async function* () {
      yield batch(0, 10);
      yield batch(1, 10);
      throw new FailedPreconditionError('tablet moved');
    };
    const rows: Row[] = [];
    const err = await (async () => {
      for await (const b of remote.readRows('t', [], { reversed: false })) rows.push(...b);
    })().catch((e: unknown) => e);
    expect(rows).toHaveLength(2);
    expect(err).toBeInstanceOf(FailedPreconditionError);
    expect(err).toMatchObject({ code: Code.FAILED_PRECONDITION, message: 'tablet moved' });
  });

  it('a non-Tabula error on the server arrives as INTERNAL', async () => {
    impl.read = async function* () { throw new RangeError('boom'); };
    const err = await (async () => { for await (const _ of remote.readRows('t', [], { reversed: false })) { /* none */ } })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TabulaError);
    expect(err).toMatchObject({ code: Code.INTERNAL, message: 'boom' });
  });

  it('passes ranges, reversed, limit and stats through', async () => {
    let got: { ranges: KeyRange[]; opts: TabletReadOptions } | undefined;
    impl.read = async function* (_id, ranges, opts) {
      got = { ranges, opts };
      opts.stats!.rowsSeen += 10;
      opts.stats!.cellsSeen += 20;
      yield batch(0, 1);
      opts.stats!.rowsSeen += 5;
      opts.stats!.cellsSeen += 1;
    };
    const stats = { rowsSeen: 1, cellsSeen: 1 };
    const ranges: KeyRange[] = [{ start: Buffer.from('a'), end: Buffer.from('b') }, { start: Buffer.from('c') }];
    for await (const _ of remote.readRows('t', ranges, { reversed: true, limit: 7, stats })) { /* drain */ }
    expect(got!.ranges).toEqual(ranges);
    expect(got!.opts).toMatchObject({ reversed: true, limit: 7 });
    expect(stats).toEqual({ rowsSeen: 16, cellsSeen: 22 });
  });

  it('a 100 MiB value passes both ways', async () => {
    const big = Buffer.alloc(100 * 1024 * 1024, 7);
    big[12345] = 1;
    const res = await remote.mutate('t', [{ row: Buffer.from('big'), mutations: [{ type: 'setCell', family: 'f', qualifier: Buffer.alloc(0), timestamp: -1, value: big }] }]);
    expect(res).toEqual([undefined]);
    const m = impl.mutated[0]!.mutations[0]!;
    expect(m.type === 'setCell' && m.value.equals(big) && m.timestamp === -1).toBe(true);
    impl.mutated = [];
    impl.read = async function* () {
      yield [{ key: Buffer.from('big'), cells: [{ family: 'f', qualifier: Buffer.alloc(0), timestamp: 0, value: big }] }];
    };
    const rows: Row[] = [];
    for await (const b of remote.readRows('t', [], { reversed: false })) rows.push(...b);
    expect(rows[0]!.cells[0]!.value.equals(big)).toBe(true);
  });
});
