/**
 * OpenSSH known_hosts files: parsing, host matching (patterns, `[host]:port`, hashed names), checking a
 * presented host key, appending new keys, and the `strict` / `accept-new` / `off` policies. Pure Node (fs,
 * crypto): the ssh2 layer hands over the key blob and acts on the outcome.
 * @module
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { ConfigError } from '../core/errors/config-error.js';
import { HostKeyError } from './errors/host-key-error.js';

/** The host and port a connection goes to, as looked up in known_hosts. @category models */
export interface HostLookup {
  readonly host: string;
  readonly port: number;
}

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
 * entry for the host with a key of this type), `changed` (entries for the host have keys of this type, none
 * of them this key; `known` holds their fingerprints, `file`/`line` the first of them) or `revoked` (a
 * `@revoked` entry for the host has this key; wins over everything else).
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
  /** Where `accept-new` appends new keys (usually `~/.ssh/known_hosts`). */
  readonly userFile: string;
  /** Hash the host name of appended entries (OpenSSH's `HashKnownHosts`). Default false. */
  readonly hash?: boolean | undefined;
}

/** One key line of a known_hosts file. @category models */
export interface KnownHostsEntry {
  /** `@revoked` or `@cert-authority`, without the `@`; undefined for a plain entry. */
  readonly marker: 'revoked' | 'cert-authority' | undefined;
  /** The host field as written: comma-separated patterns, or one hashed name `|1|salt|hmac`. */
  readonly hosts: string;
  readonly type: string;
  readonly data: Buffer;
  /** 1-based line number in its file. */
  readonly line: number;
}

const HASH_MAGIC = '|1|';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DEFAULT_PORT = 22;

/**
 * The name known_hosts knows a host by: `host` on port 22, `[host]:port` otherwise.
 * @example
 * hostLookupName({ host: 'db1', port: 2222 }); // '[db1]:2222'
 * @category combinators
 */
export function hostLookupName(lookup: HostLookup): string {
  return lookup.port === DEFAULT_PORT ? lookup.host : `[${lookup.host}]:${String(lookup.port)}`;
}

/**
 * The SHA256 fingerprint of a key blob, as `ssh-keygen -l` prints it: `SHA256:` and unpadded base64.
 * @category combinators
 */
export function fingerprint(data: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(data).digest('base64').replace(/=+$/, '');
}

/**
 * The key type written inside a wire-format key blob (its first length-prefixed string), or undefined when
 * the blob is too short to hold one.
 * @category combinators
 */
export function blobKeyType(data: Buffer): string | undefined {
  if (data.length < 4) return undefined;
  const length = data.readUInt32BE(0);
  if (length === 0 || length > 64 || data.length < 4 + length) return undefined;
  return data.toString('latin1', 4, 4 + length);
}

/**
 * The key lines of known_hosts text. Comments, blank lines and malformed lines (unknown marker, missing
 * field, bad base64, blob whose embedded type is not the written one) are skipped, as OpenSSH skips them.
 * @category combinators
 */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/[ \t]+/);
    let marker: KnownHostsEntry['marker'];
    if (trimmed.startsWith('@')) {
      const word = fields.shift();
      if (word === '@revoked') marker = 'revoked';
      else if (word === '@cert-authority') marker = 'cert-authority';
      else return;
    }
    const [hosts = '', type = '', base64 = ''] = fields;
    if (hosts === '' || type === '' || !BASE64.test(base64)) return;
    const data = Buffer.from(base64, 'base64');
    if (blobKeyType(data) !== type) return;
    entries.push({ marker, hosts, type, data, line: index + 1 });
  });
  return entries;
}

const globToRegExp = (pattern: string): RegExp =>
  new RegExp(
    '^' +
      pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : '\\' + c)) +
      '$',
  );

const matchesHashed = (hashed: string, name: string): boolean => {
  const [salt, hmac, ...rest] = hashed.slice(HASH_MAGIC.length).split('|');
  if (salt === undefined || hmac === undefined || rest.length > 0) return false;
  if (!BASE64.test(salt) || !BASE64.test(hmac)) return false;
  const expected = Buffer.from(hmac, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
};

/**
 * Whether the host field of a known_hosts line matches a lookup name (`host` or `[host]:port`, see
 * {@link hostLookupName}). A hashed field `|1|salt|hmac` matches when HMAC-SHA1(salt, name) is the hmac.
 * Otherwise the field is comma-separated patterns with `*` and `?` wildcards: it matches when a pattern
 * matches and no `!`-negated pattern does. Case-insensitive, as OpenSSH lowercases both sides.
 * @category combinators
 */
export function hostPatternsMatch(hosts: string, name: string): boolean {
  const lower = name.toLowerCase();
  if (hosts.startsWith(HASH_MAGIC)) return matchesHashed(hosts, lower);
  let positive = false;
  for (const pattern of hosts.toLowerCase().split(',')) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    if (glob === '' || !globToRegExp(glob).test(lower)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

const readKnownHosts = async (file: string): Promise<string> => {
  try {
    return await readFile(file, 'utf8');
  } catch (e: unknown) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return '';
    const detail = e instanceof Error ? e.message : String(e);
    throw new ConfigError(file, 'known_hosts file', `cannot be read: ${detail}`, { cause: e });
  }
};

/**
 * Checks a presented host key against known_hosts files (see {@link HostKeyCheck}). Missing files count as
 * empty; a file that exists but cannot be read rejects with a `ConfigError` naming it. `@cert-authority`
 * entries are ignored (plain keys only). The files are read on every call. Two differences from OpenSSH's
 * `ssh`: a host known only under other key types is `unknown` (ssh says changed, having first asked the
 * server for the known types), and a plain `host` entry does not vouch for other ports (ssh falls back to it
 * when no `[host]:port` entry decides).
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
  const name = hostLookupName(lookup);
  const type = blobKeyType(key.data) ?? key.type;
  const texts = await Promise.all(files.map(readKnownHosts));
  let known = false;
  let changed: { file: string; line: number } | undefined;
  const knownFingerprints = new Set<string>();
  for (const [i, file] of files.entries()) {
    for (const entry of parseKnownHosts(texts[i] ?? '')) {
      if (entry.marker === 'cert-authority' || !hostPatternsMatch(entry.hosts, name)) continue;
      const same = entry.data.equals(key.data);
      if (entry.marker === 'revoked') {
        if (same) return { status: 'revoked', file, line: entry.line };
      } else if (same) {
        known = true;
      } else if (entry.type === type) {
        changed ??= { file, line: entry.line };
        knownFingerprints.add(fingerprint(entry.data));
      }
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

const appendLine = async (file: string, line: string): Promise<void> => {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const prefix = (await endsWithNewline(file)) ? '' : '\n';
  await appendFile(file, `${prefix}${line}\n`, { mode: 0o600 });
};

/**
 * Appends one entry `name type base64` for a host key to a known_hosts file (the name hashed as
 * `|1|salt|hmac` when `hash` is set), creating the file (mode 0600) and its directory (mode 0700) when
 * missing, and ending a last line that lacks its newline first. Appends to one file from one process are
 * serialised. Rejects with a `ConfigError` for a host or port that cannot be written as a plain entry.
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
  const mine = previous.then(() => appendLine(path, line));
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
      await appendKnownHost(options.userFile, lookup, key, { hash: options.hash });
  }
}
