import { stat } from 'node:fs/promises';

/**
 * What tells one version of a file from another, for caches of what was read from it: a key made of its
 * device, inode, size, mtime and ctime, and its size.
 * @internal
 */
export interface FileVersion {
  readonly key: string;
  readonly size: bigint;
  /**
   * Whether the file's mtime is old enough that another write would change it: a kernel with coarse
   * timestamps gives two writes a few milliseconds apart the same mtime and ctime (and a filesystem with
   * 1-second timestamps, two writes in the same second). What was read from a file that is not settled must
   * not be reused (git calls such index entries "racily clean").
   */
  readonly settled: boolean;
}

/** How old a file's last change must be for its version to be trusted. */
const SETTLE_MS = 2000;

/** The version of a missing file. @internal */
export const MISSING_FILE: FileVersion = { key: 'missing', size: 0n, settled: true };

/**
 * The version of a file (following symlinks): {@link MISSING_FILE} when it does not exist, undefined when it
 * cannot be stat'ed for another reason (reading it will say why).
 * @internal
 */
export async function fileVersion(path: string): Promise<FileVersion | undefined> {
  try {
    const s = await stat(path, { bigint: true });
    return {
      key: [s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs].join(':'),
      size: s.size,
      settled: BigInt(Date.now()) * 1_000_000n - s.mtimeNs >= BigInt(SETTLE_MS) * 1_000_000n,
    };
  } catch (e: unknown) {
    const code = (e as { code?: unknown }).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? MISSING_FILE : undefined;
  }
}
