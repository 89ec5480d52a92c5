import { makeTarget } from './diff-clients.js';
const t = makeTarget('emu', process.env.EP ?? '127.0.0.1:28417');
const B = (s: string) => Buffer.from(s, 'latin1');
const tid = 'o' + Date.now();
await t.createTable(tid, { a: {}, b: {} });
await t.mutateRow(tid, B('r1'), [{ setCell: { familyName: 'a', columnQualifier: B('q'), timestampMicros: '1000', value: B('v') } }]);
const r = await t.readRows(tid, { filter: JSON.parse(process.argv[2]!) });
console.log(process.argv[2], JSON.stringify('ok' in r ? r.ok.rows.length + ' rows' : r));
t.close();
