/**
 * Mutations of one row (google.bigtable.v2.Mutation). A RowMutation is applied
 * atomically, its mutations in order: a later mutation sees the earlier ones.
 */
export type Mutation =
  | {
      type: 'setCell';
      family: string;
      qualifier: Buffer;
      /** Microseconds, multiple of 1000; -1 = use the server's time. */
      timestamp: number;
      value: Buffer;
    }
  | {
      /** Deletes cells of one column with start <= ts < end (end undefined = infinity). */
      type: 'deleteFromColumn';
      family: string;
      qualifier: Buffer;
      start: number;
      end: number | undefined;
    }
  | {
      /**
       * AddToCell or MergeToCell into an aggregate family (model/aggregate.ts):
       * combines `value`, an 8-byte big-endian int64, into the cell at
       * `timestamp` (microseconds, multiple of 1000; -1 = the server's time).
       * An empty value is a MergeToCell of NULL, which has no effect (the
       * family is still checked).
       */
      type: 'addToCell';
      family: string;
      qualifier: Buffer;
      timestamp: number;
      value: Buffer;
    }
  | { type: 'deleteFromFamily'; family: string }
  | { type: 'deleteFromRow' };

export interface RowMutation {
  row: Buffer;
  mutations: Mutation[];
}
