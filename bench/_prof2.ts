import { mkdtempSync } from 'node:fs';
import { LocalStorage } from '../src/storage/local-storage.js';
import { TabletHost } from '../src/tabletserver/tablet-host.js';
import { randomBytes } from 'node:crypto';
const dir = mkdtempSync('/work/prof-');
const fam = new Map([['f', { kind: 'never' as const }]]);
let host = await TabletHost.open({ storage: new LocalStorage(dir), serverId: 'b', jobs: { localRoot: dir } });
let t = await host.openTablet({ id: 'b', epoch: 1, families: fam });
const V = randomBytes(100), Q = Buffer.from('q');
const N = 300000;
const key = (j: number) => { const k = Buffer.alloc(16); k.writeUInt32BE(Math.imul(j ^ 0x5bd1e995, 0x9e3779b1) >>> 0, 0); k.writeUInt32BE(j, 4); return k; };
for (let i = 0; i < N; i += 1000) {
  const rows = [];
  for (let j = i; j < i + 1000; j++) rows.push({ row: key(j), mutations: [{ type: 'setCell' as const, family: 'f', qualifier: Q, timestamp: 1000, value: V }] });
  await t.mutate(rows);
}
await host.close({ flush: true });
host = await TabletHost.open({ storage: new LocalStorage(dir), serverId: 'b', jobs: { localRoot: dir } });
t = await host.openTablet({ id: 'b', epoch: 1, families: fam });
console.log(t.stats());
const picks = Array.from({ length: 100000 }, () => key(Math.floor(Math.random() * N)));
for (let round = 0; round < 3; round++) {
  const s = Date.now(); let i = 0;
  await Promise.all(Array.from({ length: 16 }, async () => { while (i < picks.length) { if (!(await t.readRow(picks[i++]!))) throw new Error('miss'); } }));
  console.log('reads/s', 100000 / ((Date.now() - s) / 1000));
}
let s = Date.now(); let n = 0;
for await (const b of t.scan()) n += b.length;
console.log('scan/s', n / ((Date.now() - s) / 1000), n);
await host.close();
