/**
 * Bigtable's single-row read-modify-write operations over a tablet, each run
 * under the row's lock so the read and the write are one atomic step:
 * CheckAndMutateRow and ReadModifyWriteRow (google.bigtable.v2).
 */
import { bytesEqual } from '../base/bytes.js';
import { InvalidArgumentError } from '../base/errors.js';
import { compareCells, type Cell, type Row } from '../model/cell.js';
import type { Mutation } from '../model/mutation.js';
import type { RowFilter } from '../model/row-filter.js';
import { compileFilter } from './filter/compile-filter.js';
import type { Tablet } from './tablet.js';

/** google.bigtable.v2.ReadModifyWriteRule. */
export type ReadModifyWriteRule =
  | { type: 'append'; family: string; qualifier: Buffer; value: Buffer }
  | { type: 'increment'; family: string; qualifier: Buffer; amount: bigint };

/**
 * CheckAndMutateRow: evaluates `predicate` on the row (undefined = "the row
 * has any cell"); applies trueMutations if it yields a cell, else
 * falseMutations. Returns whether the predicate matched.
 */
export async function checkAndMutate(
  t: Tablet, row: Buffer, predicate: RowFilter | undefined, trueMutations: Mutation[], falseMutations: Mutation[],
): Promise<boolean> {
  const filter = compileFilter(predicate, { field: 'predicate_filter' });
  for (const m of [...trueMutations, ...falseMutations]) t.checkFamily(m);
  return t.withRowLock(row, async () => {
    const current = await t.readRow(row);
    const matched = current !== undefined && filter.apply(current).length > 0;
    const muts = matched ? trueMutations : falseMutations;
    if (muts.length) await t.mutate([{ row, mutations: muts }], row);
    return matched;
  });
}

/**
 * ReadModifyWriteRow: applies the rules in order (a later rule sees an
 * earlier one's result on the same column). Each written cell gets timestamp
 * max(now, latest cell's timestamp). Returns the new cells, one per column.
 */
export async function readModifyWrite(t: Tablet, row: Buffer, rules: ReadModifyWriteRule[], nowMicros: () => number): Promise<Row> {
  rules.forEach((r, i) => {
    t.checkFamily({ type: 'deleteFromFamily', family: r.family }, `rules[${i}].family_name`);
    // Its cells combine what is written into them: an increment would add the old value again.
    if (t.aggregates.has(r.family)) {
      throw new InvalidArgumentError(`rules[${i}].family_name: column family "${r.family}" is an aggregate family; use add_to_cell instead of read-modify-write`);
    }
  });
  return t.withRowLock(row, async () => {
    const current = await t.readRow(row);
    const cells = current?.cells ?? [];
    const now = nowMicros();
    const written = new Map<string, Cell>();
    rules.forEach((r, i) => {
      const col = `${r.family}\0${r.qualifier.toString('latin1')}`;
      const latest = written.get(col) ?? cells.find((c) => c.family === r.family && bytesEqual(c.qualifier, r.qualifier));
      let value: Buffer;
      if (r.type === 'append') {
        value = latest ? Buffer.concat([latest.value, r.value]) : Buffer.from(r.value);
      } else {
        let old = 0n;
        if (latest) {
          if (latest.value.length !== 8) {
            throw new InvalidArgumentError(
              `rules[${i}].increment_amount: the existing value is ${latest.value.length} bytes; increments need an 8-byte big-endian integer`);
          }
          old = latest.value.readBigInt64BE(0);
        }
        value = Buffer.alloc(8);
        value.writeBigInt64BE(BigInt.asIntN(64, old + r.amount));
      }
      const timestamp = latest && latest.timestamp > now ? latest.timestamp : now;
      written.set(col, { family: r.family, qualifier: Buffer.from(r.qualifier), timestamp, value });
    });
    const out = [...written.values()].sort(compareCells);
    await t.mutate([{ row, mutations: out.map((c) => ({ type: 'setCell' as const, family: c.family, qualifier: c.qualifier, timestamp: c.timestamp, value: c.value })) }], row);
    return { key: Buffer.from(row), cells: out };
  });
}
