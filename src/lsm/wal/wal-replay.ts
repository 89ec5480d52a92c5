/**
 * Replay of a WAL directory: every segment in order, every intact record to
 * the callback, with the rules that separate a crash's torn tail (dropped and
 * reported) from corruption of acknowledged data (CorruptionError).
 *
 * Which damage is a tail? A writer only ever stops mid-record at the moment
 * it crashes, after which it never touches that segment again. So damage in
 * segment S is tolerated when nothing intact was written after it: every later
 * segment holds no intact record. Every segment starts with a seal record
 * (written with its header), so a later segment whose start became durable
 * proves S was finished. When openWal starts its segment, that first seal
 * names each tolerated segment and its valid length, synced before any append
 * is acknowledged; later replays accept S's damage only if the first intact
 * record after S is a seal naming S at exactly that length. Anything else is
 * corruption, reported with the segment and offset.
 */
import { toBuffer } from '../../base/bytes.js';
import { CorruptionError } from '../../base/errors.js';
import { logger } from '../../base/log.js';
import type { Storage } from '../../storage/storage.js';
import { RECORD_TYPE_DATA } from './wal-format.js';
import { listSegments } from './segment-name.js';
import { scanSegment } from './segment-scanner.js';
import type { DecodedBody, SealEntry, WalRecord } from './wal-record.js';

const log = logger('wal');

/** What a replay found. Damage already reported and sealed by an earlier open is not counted again. */
export interface ReplayReport {
  /** Segment files read. */
  segments: number;
  /** Records delivered to the callback (after the filter). */
  records: number;
  /** Bytes of damaged tails dropped. */
  droppedBytes: number;
  /** The first dropped tail: segment file name, byte offset in it, and why it was unreadable. */
  droppedAt?: { segment: string; offset: number; reason: string };
}

/** Per-segment facts openWal needs to delete segments later. */
export interface SegmentSummary {
  number: number;
  name: string;
  /** File size in bytes. */
  bytes: number;
  /** Max lastSeq per tablet among the segment's data records. */
  tablets: Map<string, number>;
  /** Numbers of the earlier segments sealed by seal records in this segment. */
  seals: number[];
}

export interface ReplayResult {
  report: ReplayReport;
  segments: SegmentSummary[];
  /** Segments with a damaged tail tolerated in this replay: a new segment must seal them. */
  toSeal: SealEntry[];
}

/**
 * Replays every segment of `dir` in order. Throws CorruptionError naming the
 * segment for damage that is not a tail (see above) or for an unreadable
 * header/format version; StorageError/NotFoundError from storage propagate,
 * as does anything `onRecord` throws.
 */
export async function replaySegments(
  storage: Storage,
  dir: string,
  onRecord: (r: WalRecord) => void,
  filter?: (tabletId: string) => boolean,
): Promise<ReplayResult> {
  const refs = await listSegments(storage, dir);
  // Segments read ahead by lookahead(), kept so they are read only once.
  const readAhead = new Map<number, Buffer>();
  const read = async (i: number): Promise<Buffer> => {
    const cached = readAhead.get(i);
    if (cached) {
      readAhead.delete(i);
      return cached;
    }
    return toBuffer(await storage.readAll(refs[i]!.name));
  };

  /** The first intact record after segment i, or undefined if every later segment has none. */
  const lookahead = async (i: number): Promise<{ body: DecodedBody; segment: string } | undefined> => {
    for (let j = i + 1; j < refs.length; j++) {
      const bytes = readAhead.get(j) ?? toBuffer(await storage.readAll(refs[j]!.name));
      readAhead.set(j, bytes);
      let first: DecodedBody | undefined;
      scanSegment(refs[j]!.name, bytes, (body) => {
        first = body;
        return false;
      });
      if (first) return { body: first, segment: refs[j]!.name };
    }
    return undefined;
  };

  const report: ReplayReport = { segments: refs.length, records: 0, droppedBytes: 0 };
  const segments: SegmentSummary[] = [];
  const toSeal: SealEntry[] = [];
  for (let i = 0; i < refs.length; i++) {
    const { name, number } = refs[i]!;
    const bytes = await read(i);
    const summary: SegmentSummary = { number, name, bytes: bytes.length, tablets: new Map(), seals: [] };
    const tablets = summary.tablets;
    const scan = scanSegment(name, bytes, (body) => {
      if (body.type === RECORD_TYPE_DATA) {
        const r = body.record;
        const max = tablets.get(r.tabletId);
        if (max === undefined || r.lastSeq > max) tablets.set(r.tabletId, r.lastSeq);
        if (filter === undefined || filter(r.tabletId)) {
          report.records++;
          onRecord(r);
        }
      } else {
        for (const s of body.seals) summary.seals.push(s.segment);
      }
    });
    segments.push(summary);
    if (!scan.damage) continue;

    const { offset, reason } = scan.damage;
    const next = await lookahead(i);
    if (next === undefined) {
      // Nothing intact was written after this point: the log's torn tail.
      const dropped = bytes.length - scan.validEnd;
      report.droppedBytes += dropped;
      report.droppedAt ??= { segment: name, offset, reason };
      toSeal.push({ segment: number, validBytes: scan.validEnd });
      log.warn({ segment: name, offset, reason, dropped }, 'dropping damaged WAL tail');
      continue;
    }
    const seal = next.body.type === RECORD_TYPE_DATA ? undefined : next.body.seals.find((s) => s.segment === number);
    if (seal === undefined) {
      throw new CorruptionError(name, `corrupt WAL record at offset ${offset} (${reason}) followed by intact records in ${next.segment}`);
    }
    if (seal.validBytes !== scan.validEnd) {
      throw new CorruptionError(
        name,
        `corrupt WAL record at offset ${offset} (${reason}); ${next.segment} sealed this segment at ${seal.validBytes} bytes`,
      );
    }
    log.debug({ segment: name, offset, sealedBy: next.segment }, 'skipping sealed WAL tail');
  }
  return { report, segments, toSeal };
}

/**
 * Read-only replay of another (dead) server's WAL directory, e.g. for
 * recovery: calls `onRecord` for each intact record whose tablet passes
 * `filter` (all when omitted), in log order. Writes nothing, so a damaged
 * tail is reported on every such replay. Errors as for replaySegments.
 */
export async function replayWal(
  storage: Storage,
  dir: string,
  onRecord: (r: WalRecord) => void,
  filter?: (tabletId: string) => boolean,
): Promise<ReplayReport> {
  return (await replaySegments(storage, dir, onRecord, filter)).report;
}
