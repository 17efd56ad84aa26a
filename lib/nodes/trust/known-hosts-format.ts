/**
 * The OpenSSH known_hosts format: key lines, host names (`host`, `[host]:port`, hashed `|1|salt|hmac`),
 * host patterns, key blobs and their fingerprints. Pure: no file is read or written here (see
 * `known-hosts.ts` for the checks and the appends).
 * @module
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The host and port a connection goes to, as looked up in known_hosts. @category models */
export interface HostLookup {
  readonly host: string;
  readonly port: number;
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

/** The prefix of a hashed host name. @internal */
export const HASH_MAGIC = '|1|';
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

const WILDCARD = /[*?]/;

const globMatcher = (glob: string): ((name: string) => boolean) => {
  if (!WILDCARD.test(glob)) return (name) => name === glob;
  const re = new RegExp(
    '^' + glob.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : '\\' + c)) + '$',
  );
  return (name) => re.test(name);
};

/**
 * Compiles an unhashed host field (comma-separated patterns with `*` and `?` wildcards, `!` negating) into a
 * test of lowercased lookup names: true when a pattern matches and no negated one does. The patterns are
 * lowercased here, as OpenSSH lowercases both sides.
 * @internal
 */
export function compileHostPatterns(hosts: string): (lowerName: string) => boolean {
  const positive: ((name: string) => boolean)[] = [];
  const negative: ((name: string) => boolean)[] = [];
  for (const pattern of hosts.toLowerCase().split(',')) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    if (glob === '') continue;
    (negated ? negative : positive).push(globMatcher(glob));
  }
  return (name) => !negative.some((m) => m(name)) && positive.some((m) => m(name));
}

/**
 * The salt and HMAC of a hashed host name `|1|salt|hmac`, or undefined when it is malformed.
 * @internal
 */
export function decodeHashedHost(hosts: string): { salt: Buffer; hmac: Buffer } | undefined {
  const [salt, hmac, ...rest] = hosts.slice(HASH_MAGIC.length).split('|');
  if (salt === undefined || hmac === undefined || rest.length > 0) return undefined;
  if (!BASE64.test(salt) || !BASE64.test(hmac)) return undefined;
  return { salt: Buffer.from(salt, 'base64'), hmac: Buffer.from(hmac, 'base64') };
}

/** Whether HMAC-SHA1(salt, name) is the hmac. @internal */
export function hashedHostMatches(hashed: { salt: Buffer; hmac: Buffer }, name: string): boolean {
  const actual = createHmac('sha1', hashed.salt).update(name).digest();
  return actual.length === hashed.hmac.length && timingSafeEqual(actual, hashed.hmac);
}

/**
 * Whether the host field of a known_hosts line matches a lookup name (`host` or `[host]:port`, see
 * {@link hostLookupName}). A hashed field `|1|salt|hmac` matches when HMAC-SHA1(salt, name) is the hmac.
 * Otherwise the field is comma-separated patterns with `*` and `?` wildcards: it matches when a pattern
 * matches and no `!`-negated pattern does. Case-insensitive, as OpenSSH lowercases both sides.
 * @category combinators
 */
export function hostPatternsMatch(hosts: string, name: string): boolean {
  const lower = name.toLowerCase();
  if (hosts.startsWith(HASH_MAGIC)) {
    const hashed = decodeHashedHost(hosts);
    return hashed !== undefined && hashedHostMatches(hashed, lower);
  }
  return compileHostPatterns(hosts)(lower);
}
