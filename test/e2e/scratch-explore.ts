import { makeTarget } from './diff-clients.js';
const t = makeTarget('emu', process.env.EP ?? '127.0.0.1:28417');
const B = (s: string) => Buffer.from(s, 'latin1');
const show = (x: unknown) => console.log(JSON.stringify(x, (k, v) => (v && v.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v)));
const tid = 'x' + Date.now();
show(await t.createTable(tid, { a: { gcRule: {} }, b: {}, c: { gcRule: { maxNumVersions: 1 } } }));
const set = (f: string, q: string, ts: number, v: string) => ({ setCell: { familyName: f, columnQualifier: B(q), timestampMicros: String(ts * 1000), value: B(v) } });
show(await t.mutateRows(tid, [
  { rowKey: B('r1'), mutations: [set('a', 'q', 1, 'a1'), set('a', 'q', 2, 'a2'), set('b', 'q', 3, 'b3'), set('b', 'p', 1, 'bp'), set('c', 'q', 1, 'c1'), set('c', 'q', 2, 'c2')] },
  { rowKey: B('r2'), mutations: [set('zz', 'q', 1, 'x')] },
  { rowKey: B('r3'), mutations: [set('a', 'q', 1500, 'x')] },
]));
const exprs: Array<[string, object]> = JSON.parse(process.argv[2] ?? '[]');
for (const [name, req] of exprs) {
  const r = await t.readRows(tid, req);
  console.log(name);
  show('ok' in r ? r.ok.rows.map((row) => [row.key.toString('latin1'), row.cells.map((c) => `${c.family}:${c.qualifier.toString('latin1')}@${c.timestamp / 1000}=${c.value.toString('latin1')}${c.labels ? '{' + c.labels + '}' : ''}`)]) : r);
}
t.close();
