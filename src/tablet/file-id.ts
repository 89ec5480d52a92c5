/**
 * Names for new SSTable files. A name is never reused: time-ordered prefix
 * plus 64 random bits, so servers writing to the same shared storage never
 * collide and listings sort roughly by creation time.
 */
import { randomBytes } from 'node:crypto';

export function newFileId(): string {
  return Date.now().toString(36).padStart(9, '0') + '-' + randomBytes(8).toString('hex');
}
