/**
 * `npm run bench:cluster`: Tabula as a cluster of real processes on this
 * machine (one master, tablet servers over one shared data directory).
 *
 *  1. p50/p99 of point reads and writes in steady state vs while tablets are
 *     being moved back and forth, and the moves' durations;
 *  2. time from kill -9 of a tablet server holding 100 tablets to all of
 *     them served again;
 *  3. YCSB workload A (bench/ycsb runner, --target = the master's API) with
 *     1, 2 and 3 tablet-server processes.
 *
 * Options: --seconds S (per latency phase, default 8), --ycsb-records N
 * (default 20000), --ycsb-seconds S (default 15), --skip latency,recovery,ycsb.
 * Processes come from test/cluster/cluster-processes.ts (the same fixture
 * the cluster tests use); every one is killed at the end.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect, maxVersions } from '../../src/client/index.js';
import { RemoteMaster } from '../../src/rpc/master-grpc.js';
import { ProcessCluster, waitFor } from '../../test/cluster/cluster-processes.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const SECONDS = Number(args.get('seconds') ?? 8);
const YCSB_RECORDS = Number(args.get('ycsb-records') ?? 20_000);
const YCSB_SECONDS = Number(args.get('ycsb-seconds') ?? 15);
const skip = new Set((args.get('skip') ?? '').split(',').filter(Boolean));

function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const ms = (x: number) => x.toFixed(2);
const key = (i: number) => `k${String(i).padStart(6, '0')}`;

async function allServed(master: RemoteMaster, not?: string): Promise<boolean> {
  const s = await master.clusterStatus().catch(() => undefined);
  if (!s) return false;
  const live = new Set(s.servers.filter((v) => v.live).map((v) => v.serverId));
  return s.tablets.length > 0 && s.tablets.every((t) => t.state === 'serving' && live.has(t.server) && t.server !== not);
}

async function latency(): Promise<void> {
  const cluster = new ProcessCluster({ leaseMs: 5000, heartbeatMs: 500, tickMs: 200 });
  try {
    await cluster.startMaster();
    const master = new RemoteMaster(cluster.master.endpoint, { deadlineMs: 30_000 });
    const servers = [await cluster.startTabletServer(), await cluster.startTabletServer()];
    await waitFor('servers', async () => (await master.clusterStatus()).servers.filter((s) => s.live).length === 2);
    const rows = 10_000;
    const admin = connect(cluster.master.endpoint, { project: 'p', instance: 'i' });
    await admin.admin.createTable('lat', { families: { cf: undefined }, splits: [1, 2, 3, 4, 5, 6, 7].map((i) => key((i * rows) / 8)) });
    for (let b = 0; b < rows; b += 500) {
      const batch = admin.table('lat').batch();
      for (let i = b; i < b + 500; i++) batch.put(key(i), { cf: { q: Buffer.alloc(100, i % 256) } });
      await batch.execute();
    }
    // Clients spread over both tablet servers' APIs.
    const conns = servers.flatMap((s) => [0, 1].map(() => connect(s.endpoint, { project: 'p', instance: 'i' })));
    const phase = async (name: string, during?: () => Promise<number[]>) => {
      const reads: number[] = [];
      const writes: number[] = [];
      let errors = 0;
      let stop = false;
      const loops = conns.flatMap((c) => [0, 1, 2, 3].map(async () => {
        const t = c.table('lat');
        while (!stop) {
          const i = Math.floor(Math.random() * rows);
          const write = Math.random() < 0.5;
          const t0 = performance.now();
          try {
            if (write) await t.put(key(i), { cf: { q: Buffer.alloc(100, 7) } });
            else await t.get(key(i));
            (write ? writes : reads).push(performance.now() - t0);
          } catch {
            errors++;
          }
        }
      }));
      const until = Date.now() + SECONDS * 1000;
      const moveTimes = during ? await during() : [];
      await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now())));
      stop = true;
      await Promise.all(loops);
      console.log(`${name.padEnd(12)} reads p50 ${ms(pct(reads, 50))} ms  p99 ${ms(pct(reads, 99))} ms | writes p50 ${ms(pct(writes, 50))} ms  p99 ${ms(pct(writes, 99))} ms | ${reads.length + writes.length} ops, ${errors} errors`);
      return { r99: pct(reads, 99), w99: pct(writes, 99), moveTimes };
    };
    console.log('\n== latency: steady state vs during tablet moves (2 tablet servers, 8 tablets, 16 closed-loop clients, 50/50 get/put) ==');
    await phase('warm-up');
    const steady = await phase('steady');
    const moving = await phase('during-move', async () => {
      const times: number[] = [];
      const until = Date.now() + (SECONDS - 1) * 1000;
      while (Date.now() < until) {
        const s = await master.clusterStatus();
        const t = s.tablets[Math.floor(Math.random() * s.tablets.length)]!;
        const to = s.servers.find((v) => v.serverId !== t.server && v.live)!.serverId;
        const t0 = performance.now();
        await master.moveTablet(t.id, to);
        times.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 200));
      }
      return times;
    });
    console.log(`p99 ratio during-move / steady: reads ${(moving.r99 / steady.r99).toFixed(2)}x, writes ${(moving.w99 / steady.w99).toFixed(2)}x (target <= 2x)`);
    console.log(`moves: ${moving.moveTimes.length}, duration p50 ${ms(pct(moving.moveTimes, 50))} ms, max ${ms(Math.max(...moving.moveTimes))} ms`);
    for (const c of [...conns, admin]) c.close();
    master.close();
  } finally {
    await cluster.stopAll();
  }
}

async function recovery(): Promise<void> {
  const cluster = new ProcessCluster({ leaseMs: 2000, heartbeatMs: 300, tickMs: 100 });
  try {
    await cluster.startMaster();
    const master = new RemoteMaster(cluster.master.endpoint, { deadlineMs: 30_000 });
    const victim = await cluster.startTabletServer();
    await waitFor('server', async () => (await master.clusterStatus()).servers.some((s) => s.live));
    const c = connect(cluster.master.endpoint, { project: 'p', instance: 'i' });
    await c.admin.createTable('rec', { families: { cf: undefined }, splits: Array.from({ length: 99 }, (_, i) => key((i + 1) * 100)) });
    const batch = c.table('rec').batch();
    for (let i = 0; i < 10_000; i += 10) batch.put(key(i), { cf: { q: `v${i}` } });
    await batch.execute();
    await cluster.startTabletServer();
    await waitFor('two servers', async () => (await master.clusterStatus()).servers.filter((s) => s.live).length === 2);
    const held = (await master.clusterStatus()).tablets.filter((t) => t.server === victim.id).length;
    const t0 = Date.now();
    await victim.kill();
    await waitFor('all tablets served again', () => allServed(master, victim.id), 120_000);
    const took = Date.now() - t0;
    const back = (await c.table('rec').scan({}).toArray()).length;
    console.log('\n== recovery: kill -9 of a tablet server ==');
    console.log(`tablets on the killed server: ${held}; kill -9 → all served again: ${took} ms (lease 2000 ms; target < 5000 ms); rows readable: ${back}/1000`);
    c.close();
    master.close();
  } finally {
    await cluster.stopAll();
  }
}

function runYcsb(endpoint: string): Promise<string> {
  const runner = fileURLToPath(new URL('../ycsb/run-ycsb.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', runner, '--target', endpoint, '--workloads', 'load,a',
    '--records', String(YCSB_RECORDS), '--ops', String(YCSB_RECORDS * 5), '--duration', String(YCSB_SECONDS), '--warmup', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.once('exit', () => { clearTimeout(timer); resolve(out); });
  });
}

async function ycsb(): Promise<void> {
  console.log(`\n== YCSB A (${YCSB_RECORDS} records, ${YCSB_SECONDS} s), client → master API → tablet servers ==`);
  for (const n of [1, 2, 3]) {
    const cluster = new ProcessCluster({ leaseMs: 5000, heartbeatMs: 500, tickMs: 200 });
    try {
      await cluster.startMaster();
      const master = new RemoteMaster(cluster.master.endpoint, { deadlineMs: 30_000 });
      for (let i = 0; i < n; i++) await cluster.startTabletServer();
      await waitFor('servers', async () => (await master.clusterStatus()).servers.filter((s) => s.live).length === n);
      // YCSB keys are "user" + a decimal hash: 12 tablets spread over the servers.
      const c = connect(cluster.master.endpoint, { project: 'ycsb', instance: 'ycsb' });
      await c.admin.createTable('usertable', { families: { cf: maxVersions(1) }, splits: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '95', '15', '25'].map((d) => `user${d}`) });
      c.close();
      const out = await runYcsb(cluster.master.endpoint);
      const lines = out.split('\n').filter((l) => /^\s*(a|load)\b|ops\/s|bench-ycsb|FAILED/i.test(l));
      console.log(`-- ${n} tablet server${n > 1 ? 's' : ''}:`);
      for (const l of lines) console.log(`   ${l}`);
      master.close();
    } finally {
      await cluster.stopAll();
    }
  }
}

if (!skip.has('latency')) await latency();
if (!skip.has('recovery')) await recovery();
if (!skip.has('ycsb')) await ycsb();
