/**
 * WAL segment naming: `${dir}/${number zero-padded to 16 digits}.log`.
 * Numbers start at 1 and only grow, so names sort in write order and are
 * never reused while the directory keeps its newest segment.
 */
import type { Storage } from '../../storage/storage.js';
import { SEGMENT_NAME_DIGITS, SEGMENT_SUFFIX } from './wal-format.js';

export interface SegmentRef {
  name: string;
  number: number;
}

export function segmentName(dir: string, n: number): string {
  return `${dir}/${String(n).padStart(SEGMENT_NAME_DIGITS, '0')}${SEGMENT_SUFFIX}`;
}

const SEGMENT_RE = new RegExp(`^(\\d{${SEGMENT_NAME_DIGITS}})\\${SEGMENT_SUFFIX}$`);

/** The segments in dir (not in subdirectories), oldest first. Other files are ignored. */
export async function listSegments(storage: Storage, dir: string): Promise<SegmentRef[]> {
  const prefix = `${dir}/`;
  const out: SegmentRef[] = [];
  for (const name of await storage.list(prefix)) {
    const m = SEGMENT_RE.exec(name.slice(prefix.length));
    if (m) out.push({ name, number: Number(m[1]) });
  }
  out.sort((a, b) => a.number - b.number);
  return out;
}
