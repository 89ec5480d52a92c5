/**
 * Bigtable's bounds on a backup's expire time (table.proto, Backup.expire_time):
 * when creating a backup or updating its expire_time, the value must be at
 * least 6 hours and at most 90 days after the backup's creation time. A copy's
 * (CopyBackupRequest.expire_time): 6 hours to 30 days from the request.
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

const iso = (ms: number): string => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`);
