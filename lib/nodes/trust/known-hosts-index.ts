/**
 * The entries of one known_hosts file, indexed for lookups by host name: literal names in a Map, wildcard
 * and negated patterns compiled once, hashed names (`|1|salt|hmac`) decoded once. A lookup costs one Map
 * access, one test per patterned line and one HMAC per hashed line (there is no way around that: each
 * hashed line has its own salt), and its result is remembered until the index changes. Pure: the file is
 * read (and the index cached) in `known-hosts-cache.ts`.
 * @module
 */
import type { KnownHostsEntry } from './known-hosts-format.js';
import {
  HASH_MAGIC,
  compileHostPatterns,
  decodeHashedHost,
  hashedHostMatches,
  parseKnownHosts,
} from './known-hosts-format.js';

interface HashedEntry {
  readonly hashed: { readonly salt: Buffer; readonly hmac: Buffer };
  readonly entry: KnownHostsEntry;
}

interface PatternEntry {
  readonly matches: (name: string) => boolean;
  readonly entry: KnownHostsEntry;
}

/** Lookups remembered per index; beyond that the memo starts over. */
const MEMO_LIMIT = 4096;

const byLine = (a: KnownHostsEntry, b: KnownHostsEntry): number => a.line - b.line;

/**
 * The plain and `@revoked` entries of one known_hosts file (`@cert-authority` lines left out), indexed by
 * host name. {@link KnownHostsIndex.lookup} gives what `hostPatternsMatch` would keep, in line order.
 * @internal
 */
export class KnownHostsIndex {
  /** Entries whose patterns are all literal names (lowercased), by name. */
  readonly #byName = new Map<string, KnownHostsEntry[]>();
  readonly #patterned: PatternEntry[] = [];
  readonly #hashed: HashedEntry[] = [];
  readonly #memo = new Map<string, readonly KnownHostsEntry[]>();
  #nextLine: number;

  /** Indexes the text of a known_hosts file. */
  constructor(text: string) {
    const lines = text.split('\n').length;
    this.#nextLine = text === '' || text.endsWith('\n') ? lines : lines + 1;
    for (const entry of parseKnownHosts(text)) this.#add(entry);
  }

  /**
   * The line number that the next line appended to the file gets, when the append first ends a last line
   * that lacks its newline (as `appendKnownHost` does).
   */
  get nextLine(): number {
    return this.#nextLine;
  }

  /**
   * Adds the entries of text appended to the file (whole lines, after a newline ending the last line when it
   * lacked one), numbering them from {@link nextLine}.
   */
  append(lines: string): void {
    const first = this.#nextLine;
    for (const entry of parseKnownHosts(lines)) this.#add({ ...entry, line: entry.line + first - 1 });
    const count = lines.split('\n').length;
    this.#nextLine = first + (lines.endsWith('\n') ? count - 1 : count);
    this.#memo.clear();
  }

  /** The entries naming the host (`host` or `[host]:port`, any case), in line order. */
  lookup(name: string): readonly KnownHostsEntry[] {
    const lower = name.toLowerCase();
    const known = this.#memo.get(lower);
    if (known !== undefined) return known;
    const found = [...(this.#byName.get(lower) ?? [])];
    for (const { matches, entry } of this.#patterned) if (matches(lower)) found.push(entry);
    for (const { hashed, entry } of this.#hashed) if (hashedHostMatches(hashed, lower)) found.push(entry);
    found.sort(byLine);
    if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear();
    this.#memo.set(lower, found);
    return found;
  }

  #add(entry: KnownHostsEntry): void {
    if (entry.marker === 'cert-authority') return;
    if (entry.hosts.startsWith(HASH_MAGIC)) {
      const hashed = decodeHashedHost(entry.hosts);
      if (hashed !== undefined) this.#hashed.push({ hashed, entry });
      return;
    }
    const patterns = entry.hosts.toLowerCase().split(',');
    if (patterns.some((p) => p.startsWith('!') || p.includes('*') || p.includes('?'))) {
      this.#patterned.push({ matches: compileHostPatterns(entry.hosts), entry });
      return;
    }
    for (const name of new Set(patterns)) {
      if (name === '') continue;
      const list = this.#byName.get(name);
      if (list === undefined) this.#byName.set(name, [entry]);
      else list.push(entry);
    }
  }
}
