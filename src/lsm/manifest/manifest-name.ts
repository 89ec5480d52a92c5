/**
 * Manifest file naming: `${dir}/manifest-${version as 16-digit zero-padded}`,
 * so that a plain sorted listing is also version order.
 */
import { MANIFEST_FILE_PREFIX, MANIFEST_VERSION_DIGITS } from './manifest-format.js';

const NAME_RE = new RegExp(`^${MANIFEST_FILE_PREFIX}(\\d{${MANIFEST_VERSION_DIGITS}})$`);

/** Storage name of version `version` in `dir` (no trailing '/'). */
export function manifestFileName(dir: string, version: number): string {
  return `${dir}/${MANIFEST_FILE_PREFIX}${String(version).padStart(MANIFEST_VERSION_DIGITS, '0')}`;
}

/** The prefix to list a directory's manifests with. */
export function manifestListPrefix(dir: string): string {
  return `${dir}/${MANIFEST_FILE_PREFIX}`;
}

/**
 * Splits a storage name into its directory and manifest version, or returns
 * undefined when the name is not a manifest file (other files are ignored).
 */
export function parseManifestFileName(name: string): { dir: string; version: number } | undefined {
  const slash = name.lastIndexOf('/');
  const m = NAME_RE.exec(name.slice(slash + 1));
  if (!m) return undefined;
  return { dir: name.slice(0, Math.max(slash, 0)), version: Number(m[1]) };
}
