/**
 * The tablet manifest (DESIGN §4 "Manifest", §6): which SSTables make up a
 * tablet, how far its WAL has been flushed, and which server epoch wrote it.
 * Versions are immutable files; the newest valid one wins (manifest-store.ts).
 */

/**
 * A reference to an SSTable file, optionally restricted to the key range
 * [start, end) (a split child shares its parent's files this way; no data is
 * copied). Keys are engine keys (bytes). `file` is the file's storage name
 * (e.g. 'sst/000123.sst'); file GC compares references by this exact name.
 */
export interface SstableRef { file: string; start?: Uint8Array; end?: Uint8Array }

export interface Manifest {
  /** 1, 2, 3, ... assigned by the store. */
  version: number;
  /** Epoch of the server that wrote it. */
  epoch: number;
  /** Every WAL record of this tablet with lastSeq <= flushedSeq is in the SSTables. */
  flushedSeq: number;
  /** Ordered newest first (a newer table's entries shadow older ones only through keys; order is kept for the reader). */
  sstables: SstableRef[];
  /** Opaque JSON-able data of the layer above (table name, key range, schema snapshot...). */
  meta: Record<string, unknown>;
  /** Entries in no SSTable yet, carried by the manifest itself (see ManifestTail). */
  tail?: ManifestTail;
}

/**
 * A small memtable handed over inside the manifest instead of being flushed
 * to an SSTable: a tablet that moves writes its last few entries here, so
 * the move costs one manifest write instead of an SSTable plus a manifest
 * while the tablet refuses writes. The next owner loads them into its
 * memtable; every later manifest carries the tail until a flush covers
 * `maxSeq`.
 */
export interface ManifestTail {
  /** Highest sequence number among the entries (every entry's is above flushedSeq). */
  maxSeq: number;
  /** Memtable export format: `varint keyLen, key, varint valueLen, value`, repeated, in key order. */
  entries: Uint8Array;
}
