/**
 * Private key files, read and parsed once per version of the file and passphrase: a fleet of nodes that
 * share a key parses (and decrypts) it once. A file is read again when its identity, size, mtime or ctime
 * changed (see `file-version.ts`; a file changed in the last seconds is read every time); a failed read is
 * not remembered (a parse failure is, until the file changes).
 * @module
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { MISSING_FILE, fileVersion } from '../trust/file-version.js';
import { loadSsh2 } from './ssh2-load.js';
import type { KeyAgent } from './key-agent.js';
import type { ParsedKey } from './ssh2.js';

/**
 * A private key, parsed, and its in-process agent (undefined for a key type the agent does not sign).
 * @internal
 */
export interface LoadedKey {
  readonly key: ParsedKey;
  readonly agent: KeyAgent | undefined;
}

interface CachedFile {
  readonly version: string;
  /** By passphrase (`-` for none, `+` and the passphrase otherwise). */
  readonly loads: Map<string, Promise<LoadedKey | Error>>;
}

const cache = new Map<string, CachedFile>();

const load = async (file: string, passphrase: string | undefined): Promise<LoadedKey | Error> => {
  const data = await readFile(file); // a missing file is ENOENT, whether ssh2 can be loaded or not
  const [{ parseKey }, { KeyAgent }] = await loadSsh2();
  const key = parseKey(data, passphrase);
  return key instanceof Error ? key : { key, agent: KeyAgent.of(key) };
};

/**
 * Reads and parses a private key file: the key and its agent, or the parse Error (wrong or missing
 * passphrase, not a key). Rejects with `readFile`'s error when the file cannot be read.
 * @internal
 */
export async function loadKey(file: string, passphrase: string | undefined): Promise<LoadedKey | Error> {
  const path = resolve(file);
  const version = await fileVersion(path);
  if (version === undefined || version === MISSING_FILE || !version.settled) {
    cache.delete(path);
    return load(file, passphrase); // rejects with the reason when it cannot be read
  }
  let cached = cache.get(path);
  if (cached?.version !== version.key) cache.set(path, (cached = { version: version.key, loads: new Map() }));
  const slot = passphrase === undefined ? '-' : `+${passphrase}`;
  const known = cached.loads.get(slot);
  if (known !== undefined) return known;
  const loading = load(file, passphrase);
  const { loads } = cached;
  loads.set(slot, loading);
  loading.catch(() => {
    if (loads.get(slot) === loading) loads.delete(slot);
  });
  return loading;
}

/** Forgets every cached key (for tests). @internal */
export const clearKeyCache = (): void => {
  cache.clear();
};
