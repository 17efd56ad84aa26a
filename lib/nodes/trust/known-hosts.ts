/**
 * Trust in host keys, as OpenSSH's known_hosts files give it: checking a presented key, the key types known
 * for a host (asked for first in the key exchange), appending new keys, and the `strict` / `accept-new` /
 * `off` policies. Pure Node (fs, crypto): the ssh2 layer hands over the key blob and acts on the outcome.
 * The file format itself is in `known-hosts-format.ts`.
 * @module
 */
import { createHmac, randomBytes } from 'node:crypto';
import { appendFile, mkdir, open, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { ConfigError } from '../../errors/config-error.js';
import { codeOf } from '../../errors/error-code.js';
import { HostKeyError } from '../../errors/host-key-error.js';
import { appendCached, knownHostsIndex } from './known-hosts-cache.js';
import type { HostLookup, KnownHostsEntry } from './known-hosts-format.js';
import { HASH_MAGIC, blobKeyType, fingerprint, hostLookupName } from './known-hosts-format.js';

export type { HostLookup, KnownHostsEntry } from './known-hosts-format.js';
export {
  blobKeyType,
  fingerprint,
  hostLookupName,
  hostPatternsMatch,
  parseKnownHosts,
} from './known-hosts-format.js';

/**
 * A public host key: its wire type name (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`…) and its SSH
 * wire-format blob (the base64-decoded second field of a `.pub` file).
 * @category models
 */
export interface HostKey {
  readonly type: string;
  readonly data: Buffer;
}

/**
 * What known_hosts says about a presented key: `known` (an entry for the host has this key), `unknown` (no
 * entry names the host), `changed` (entries name the host, none with this key, whatever their key type;
 * `known` holds their fingerprints, `file`/`line` the first of them) or `revoked` (a `@revoked` entry for the
 * host has this key; wins over everything else).
 * @category models
 */
export type HostKeyCheck =
  | { readonly status: 'known' }
  | { readonly status: 'unknown' }
  | {
      readonly status: 'changed';
      readonly known: readonly string[];
      readonly file: string;
      readonly line: number;
    }
  | { readonly status: 'revoked'; readonly file: string; readonly line: number };

/**
 * What to do with a host key that known_hosts does not vouch for. `strict` refuses unknown keys,
 * `accept-new` adds them to the user's file, `off` checks nothing. Changed and revoked keys are refused by
 * both `strict` and `accept-new` (OpenSSH's `StrictHostKeyChecking` yes / accept-new / no, minus the prompt).
 * @category models
 */
export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

/** Options of {@link verifyHostKey}. @category models */
export interface VerifyHostKeyOptions {
  readonly policy: HostKeyPolicy;
  /** known_hosts files to read, in order (missing ones count as empty). */
  readonly files: readonly string[];
  /** Where `accept-new` appends new keys (usually `~/.ssh/known_hosts`); undefined: nowhere. */
  readonly userFile: string | undefined;
  /** Hash the host name of appended entries (OpenSSH's `HashKnownHosts`). Default false. */
  readonly hash?: boolean | undefined;
}

/** The entries naming the host, file by file (`@cert-authority` lines left out). */
const entriesFor = async (
  lookup: HostLookup,
  files: readonly string[],
): Promise<{ file: string; entry: KnownHostsEntry }[]> => {
  const name = hostLookupName(lookup);
  const indexes = await Promise.all(files.map(knownHostsIndex));
  return files.flatMap((file, i) => (indexes[i]?.lookup(name) ?? []).map((entry) => ({ file, entry })));
};

/**
 * The key types known_hosts holds for a host (plain entries, first seen first, no duplicates): the types to
 * ask the server for first, so that a host with several keys presents one that can be checked. Missing files
 * count as empty; an unreadable one rejects with a `ConfigError`.
 * @example
 * await knownHostKeyTypes({ host: 'db1', port: 22 }, ['/home/me/.ssh/known_hosts']); // ['ssh-ed25519']
 * @category running
 */
export async function knownHostKeyTypes(lookup: HostLookup, files: readonly string[]): Promise<string[]> {
  const types = new Set<string>();
  for (const { entry } of await entriesFor(lookup, files))
    if (entry.marker === undefined) types.add(entry.type);
  return [...types];
}

/**
 * Checks a presented host key against known_hosts files (see {@link HostKeyCheck}). Missing files count as
 * empty; a file that exists but cannot be read rejects with a `ConfigError` naming it. `@cert-authority`
 * entries are ignored (plain keys only). A file is read again only when it has changed (its size, mtime or
 * ctime), and this process's own appends update what was read.
 *
 * A host known under any key type that presents another key is `changed`, even when that key is of a type
 * not yet known for it: the connection asks the server for the known types first (see
 * `knownHostKeyTypes`), so a server that presents another type no longer has the known key. OpenSSH's
 * `ssh` calls that case new and, under `StrictHostKeyChecking ask`, warns that keys of a different type are
 * already known; having no prompt, rxjobs refuses it under `accept-new` too. Another difference: a plain
 * `host` entry does not vouch for other ports (ssh falls back to it when no `[host]:port` entry decides).
 * @example
 * const check = await checkHostKey({ host: 'db1', port: 22 }, { type, data }, ['/home/me/.ssh/known_hosts']);
 * if (check.status === 'changed') console.error(check.known, check.file, check.line);
 * @category running
 */
export async function checkHostKey(
  lookup: HostLookup,
  key: HostKey,
  files: readonly string[],
): Promise<HostKeyCheck> {
  let known = false;
  let changed: { file: string; line: number } | undefined;
  const knownFingerprints = new Set<string>();
  for (const { file, entry } of await entriesFor(lookup, files)) {
    const same = entry.data.equals(key.data);
    if (entry.marker === 'revoked') {
      if (same) return { status: 'revoked', file, line: entry.line };
    } else if (same) {
      known = true;
    } else {
      changed ??= { file, line: entry.line };
      knownFingerprints.add(fingerprint(entry.data));
    }
  }
  if (known) return { status: 'known' };
  if (changed !== undefined) return { status: 'changed', known: [...knownFingerprints], ...changed };
  return { status: 'unknown' };
}

// Host names that would corrupt the file or turn into patterns when written unhashed.
const BAD_HOST = /[\s,*?![\]#|@]|^$/;

const endsWithNewline = async (file: string): Promise<boolean> => {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code === 'ENOENT') return true;
    throw e;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
};

/** Tail of the append chain of each file (absolute path), so that appends in one process never interleave. */
const appendQueues = new Map<string, Promise<void>>();

/** A lock file older than this was left by a process that died. */
const STALE_LOCK_MS = 10_000;

/**
 * Runs `work` holding `<file>.lock` (created with O_EXCL, removed after), so that appends from several
 * processes (three rxssh learning the same hosts) take turns; waits up to STALE_LOCK_MS, then takes over a
 * lock that old. Where the lock cannot be created (a directory this process may not write), runs unlocked.
 */
const withFileLock = async (file: string, work: () => Promise<void>): Promise<void> => {
  const lock = `${file}.lock`;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      await (await open(lock, 'wx', 0o600)).close();
      break;
    } catch (e: unknown) {
      const code = codeOf(e);
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return work();
      if (code !== 'EEXIST') throw e;
      const held = await stat(lock).catch(() => undefined);
      if (held !== undefined && Date.now() - held.mtimeMs > STALE_LOCK_MS) await rm(lock, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, wait * (1 + Math.random())));
    }
  }
  try {
    await work();
  } finally {
    await rm(lock, { force: true });
  }
};

/** Appends `line` unless, once the lock is held, `known()` says another process wrote the entry meanwhile. */
const appendLine = async (file: string, line: string, known: () => Promise<boolean>): Promise<void> => {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await withFileLock(file, async () => {
    if (await known()) return;
    await appendCached(file, `${line}\n`, async () => {
      const text = `${(await endsWithNewline(file)) ? '' : '\n'}${line}\n`;
      await appendFile(file, text, { mode: 0o600 });
      return Buffer.byteLength(text);
    });
  });
};

/**
 * Appends one entry `name type base64` for a host key to a known_hosts file (the name hashed as
 * `|1|salt|hmac` when `hash` is set), creating the file (mode 0600) and its directory (mode 0700) when
 * missing, and ending a last line that lacks its newline first. Appends to one file are serialised, within
 * a process and, through a `<file>.lock` file, between processes; an entry that another process wrote
 * meanwhile is not written twice. Rejects with a `ConfigError` for a host or port that cannot be written as a plain entry.
 * @example
 * await appendKnownHost('/home/me/.ssh/known_hosts', { host: 'db1', port: 2222 }, key, { hash: true });
 * @category running
 */
export async function appendKnownHost(
  file: string,
  lookup: HostLookup,
  key: HostKey,
  options?: { readonly hash?: boolean | undefined },
): Promise<void> {
  if (BAD_HOST.test(lookup.host)) {
    throw new ConfigError(`host ${JSON.stringify(lookup.host)}`, 'host', 'cannot be written to known_hosts');
  }
  if (!Number.isInteger(lookup.port) || lookup.port < 1 || lookup.port > 65535) {
    throw new ConfigError(`host ${lookup.host}`, 'port', `${String(lookup.port)} is not a TCP port`);
  }
  const name = hostLookupName(lookup).toLowerCase();
  let hosts = name;
  if (options?.hash === true) {
    const salt = randomBytes(20);
    const hmac = createHmac('sha1', salt).update(name).digest();
    hosts = `${HASH_MAGIC}${salt.toString('base64')}|${hmac.toString('base64')}`;
  }
  const line = `${hosts} ${blobKeyType(key.data) ?? key.type} ${key.data.toString('base64')}`;
  const path = resolve(file);
  const previous = appendQueues.get(path) ?? Promise.resolve();
  const known = async (): Promise<boolean> => (await checkHostKey(lookup, key, [path])).status === 'known';
  const mine = previous.then(() => appendLine(path, line, known));
  const tail = mine.catch(() => undefined);
  appendQueues.set(path, tail);
  try {
    await mine;
  } finally {
    if (appendQueues.get(path) === tail) appendQueues.delete(path);
  }
}

/**
 * Applies a host key policy: resolves when the key may be used, rejects with a {@link HostKeyError} (the host
 * named as in known_hosts: `h` or `[h]:p`) for a `changed` or `revoked` key, and for an `unknown` one under
 * `strict`. Under `accept-new` an unknown key is appended to `userFile`; under `off` nothing is read or
 * written.
 * @example
 * const userFile = join(homedir(), '.ssh', 'known_hosts');
 * await verifyHostKey({ host, port }, key, { policy: 'accept-new', files: [userFile], userFile });
 * @category running
 */
export async function verifyHostKey(
  lookup: HostLookup,
  key: HostKey,
  options: VerifyHostKeyOptions,
): Promise<void> {
  if (options.policy === 'off') return;
  const check = await checkHostKey(lookup, key, options.files);
  const name = hostLookupName(lookup);
  switch (check.status) {
    case 'known':
      return;
    case 'changed':
      throw new HostKeyError(name, 'changed', fingerprint(key.data), check.known, check.file);
    case 'revoked':
      throw new HostKeyError(name, 'revoked', fingerprint(key.data), [], check.file);
    case 'unknown':
      if (options.policy === 'strict') {
        throw new HostKeyError(name, 'unknown', fingerprint(key.data), [], options.userFile);
      }
      if (options.userFile !== undefined)
        await appendKnownHost(options.userFile, lookup, key, { hash: options.hash });
  }
}
