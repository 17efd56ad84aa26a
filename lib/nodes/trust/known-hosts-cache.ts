/**
 * known_hosts files, read and indexed once per version: a file is read again only when its identity, size,
 * mtime or ctime changed (one `stat` per lookup, see `file-version.ts`), concurrent lookups share one read,
 * a failed read is not remembered, a file changed in the last seconds is read on every lookup, and the
 * appends of this process update the cached index in place instead of dropping it.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { ConfigError } from '../../errors/config-error.js';
import { fileVersion } from './file-version.js';
import { KnownHostsIndex } from './known-hosts-index.js';

interface Cached {
  readonly version: string;
  readonly index: Promise<KnownHostsIndex>;
  /** The index once read. */
  value?: KnownHostsIndex;
}

/** Indexes by absolute path. */
const cache = new Map<string, Cached>();

const isMissing = (e: unknown): boolean => {
  const code = (e as { code?: unknown }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

const readKnownHosts = async (file: string): Promise<string> => {
  try {
    return await readFile(file, 'utf8');
  } catch (e: unknown) {
    if (isMissing(e)) return '';
    const detail = e instanceof Error ? e.message : String(e);
    throw new ConfigError(file, 'known_hosts file', `cannot be read: ${detail}`, { cause: e });
  }
};

const readIndex = async (file: string): Promise<KnownHostsIndex> =>
  new KnownHostsIndex(await readKnownHosts(file));

/**
 * The index of a known_hosts file as it is now (a missing file is empty). Rejects with a `ConfigError`
 * naming the file when it exists but cannot be read.
 * @internal
 */
export async function knownHostsIndex(file: string): Promise<KnownHostsIndex> {
  const path = resolve(file);
  const version = await fileVersion(path);
  if (version === undefined) return readIndex(file);
  const cached = cache.get(path);
  if (cached?.version === version.key) return cached.index;
  if (!version.settled) {
    // changed just now: read it for this lookup only
    if (cached !== undefined) cache.delete(path);
    return readIndex(file);
  }
  const fresh: Cached = { version: version.key, index: readIndex(file) };
  cache.set(path, fresh);
  fresh.index.then(
    (index) => {
      fresh.value = index;
    },
    () => {
      if (cache.get(path) === fresh) cache.delete(path);
    },
  );
  return fresh.index;
}

/**
 * Runs `write`, which appends `lines` (whole lines) to the file at the absolute `path`, after a newline that
 * ends its last line when that lacks one, and resolves to the number of bytes it wrote. The cached index
 * then gets the new entries, if it was read before and the file grew by exactly these bytes; otherwise it
 * is dropped, to be read again. The updated index is reused although the file has just changed: it holds
 * what this process wrote, and the size says that nobody else wrote meanwhile. Appends to one path must not
 * run at once (`appendKnownHost` queues them).
 * @internal
 */
export async function appendCached(path: string, lines: string, write: () => Promise<number>): Promise<void> {
  const cached = cache.get(path);
  const index = cached?.value;
  // whether the cached index is the file as it is before the write
  const before = index === undefined ? undefined : await fileVersion(path);
  let written: number;
  try {
    written = await write();
  } finally {
    // dropped unless updated below (a failed write may have written part of the line)
    if (cache.get(path) === cached) cache.delete(path);
  }
  if (cached === undefined || index === undefined || before?.key !== cached.version) return;
  const after = await fileVersion(path);
  // updated when the file grew by these bytes only, and nobody read it again meanwhile
  if (after !== undefined && after.size === before.size + BigInt(written) && !cache.has(path)) {
    index.append(lines);
    cache.set(path, { version: after.key, index: cached.index, value: index });
  }
}

/** Forgets every cached index (for tests). @internal */
export const clearKnownHostsCache = (): void => {
  cache.clear();
};
