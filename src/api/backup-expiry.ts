/**
 * Bigtable's bounds on a backup's expire time (table.proto, Backup.expire_time):
 * when creating a backup or updating its expire_time, the value must be at
 * least 6 hours and at most 90 days after the backup's creation time. A copy's
 * (CopyBackupRequest.expire_time): 6 hours to 30 days from the request. A hot
 * backup's hot_to_standard_time: at least 24 hours after its creation.
 */
import { InvalidArgumentError } from '../base/errors.js';

export const MIN_BACKUP_RETENTION_MS = 6 * 3600_000;
export const MAX_BACKUP_RETENTION_MS = 90 * 24 * 3600_000;
export const MAX_COPY_RETENTION_MS = 30 * 24 * 3600_000;

/** InvalidArgumentError naming `field` unless createdMs + 6 h <= expireMs <= createdMs + `maxMs` (90 days; a copy's: 30). */
export function checkBackupExpiry(expireMs: number, createdMs: number, field: string, maxMs = MAX_BACKUP_RETENTION_MS): void {
  if (!Number.isFinite(expireMs)) throw new InvalidArgumentError(`${field}: required`);
  const ahead = expireMs - createdMs;
  if (ahead < MIN_BACKUP_RETENTION_MS || ahead > maxMs) {
    throw new InvalidArgumentError(
      `${field}: must be at least 6 hours and at most ${maxMs / (24 * 3600_000)} days after the backup's creation time ${iso(createdMs)}, got ${iso(expireMs)}`);
  }
}

/** A hot backup becomes standard at least this long after its creation (Backup.hot_to_standard_time). */
export const MIN_HOT_MS = 24 * 3600_000;

/** InvalidArgumentError naming `field` unless hotToStandardMs >= createdMs + 24 h. */
export function checkHotToStandard(hotToStandardMs: number, createdMs: number, field: string): void {
  if (!Number.isFinite(hotToStandardMs) || hotToStandardMs - createdMs < MIN_HOT_MS) {
    throw new InvalidArgumentError(`${field}: must be at least 24 hours after the backup's creation time ${iso(createdMs)}, got ${iso(hotToStandardMs)}`);
  }
}

const iso = (ms: number): string => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`);
