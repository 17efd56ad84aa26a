/**
 * Host ranges as ClusterShell's node sets write them: `fit[01-37]`, `node[1-3,7]`, `r[1-2]n[1-2]`,
 * `node[1-9/2]`, expanded
 * by {@link expandHostRanges} and folded back by {@link foldHosts}.
 * @module
 */
import { TargetError } from '../errors/target-error.js';

/**
 * The most names one text may expand to; {@link expandHostRanges} refuses more, so that a typo such as
 * `n[1-10000000]` fails at once instead of filling the memory.
 * @category models
 */
export const maxHostRangeExpansion = 100_000;

/** One piece of a host text: plain text, or the values of one bracket group. */
type Piece = string | readonly string[];

/**
 * The host names that `text` stands for. Each `[...]` group holds comma-separated items, a number (`7`), an
 * ascending range (`1-3`) or, as in ClusterShell, a range with a step (`1-9/2`: 1 3 5 7 9; the high bound
 * is kept only when the step reaches it); several groups give every combination, the first varying slowest.
 * A range whose low bound is written with a leading zero is zero-padded to that bound's width (`[08-10]`:
 * `08 09 10`); a single number is kept as written. Brackets holding a `:` are an IPv6 address (`[::1]:22`)
 * and are kept as they are. Text without brackets is its own single name. Duplicates are dropped.
 * @example
 * expandHostRanges('fit[01-03]'); // ['fit01', 'fit02', 'fit03']
 * expandHostRanges('r[1-2]n[1,3]'); // ['r1n1', 'r1n3', 'r2n1', 'r2n3']
 * expandHostRanges('fit[01-09/4]'); // ['fit01', 'fit05', 'fit09']
 * @throws {TargetError} for a descending range (`fit[3-1]`), a step of 0, an empty or non-numeric item
 * (`fit[]`, `fit[a-c]`, `fit[1-]`, `fit[5/2]`), unbalanced or nested brackets, or more than `maxHostRangeExpansion` (100,000) names.
 * @category constructors
 */
export function expandHostRanges(text: string): string[] {
  const pieces = parsePieces(text);
  let count = 1;
  for (const piece of pieces) if (typeof piece !== 'string') count *= piece.length;
  if (count > maxHostRangeExpansion)
    fail(
      text,
      `expands to ${String(count)} names, more than the ${String(maxHostRangeExpansion)} allowed: ` +
        'split it into smaller ranges',
    );
  let names = [''];
  for (const piece of pieces)
    names =
      typeof piece === 'string'
        ? names.map((name) => name + piece)
        : names.flatMap((name) => piece.map((value) => name + value));
  return [...new Set(names)];
}

function parsePieces(text: string): Piece[] {
  const pieces: Piece[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === ']') fail(text, `unbalanced brackets: "]" at position ${String(i + 1)} has no "[" before it`);
    if (c !== '[') {
      literal += c;
      i += 1;
      continue;
    }
    const close = text.indexOf(']', i + 1);
    const nested = text.indexOf('[', i + 1);
    if (close < 0) fail(text, `unbalanced brackets: "[" at position ${String(i + 1)} has no "]" after it`);
    if (nested >= 0 && nested < close)
      fail(text, `nested brackets at position ${String(nested + 1)}: write ranges like node[1-3,7]`);
    const inside = text.slice(i + 1, close);
    if (isIpv6(inside)) literal += `[${inside}]`;
    else {
      pieces.push(literal);
      literal = '';
      pieces.push(parseGroup(text, i, close));
    }
    i = close + 1;
  }
  pieces.push(literal);
  return pieces.filter((piece) => piece !== '');
}

const isIpv6 = (inside: string): boolean => /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[\w.-]+)?$/.test(inside);

/** The values of the bracket group `text[open..close]`. */
function parseGroup(text: string, open: number, close: number): string[] {
  const inside = text.slice(open + 1, close);
  if (inside.trim() === '') fail(text, `empty brackets []: write numbers inside, like node[1-3,7]`);
  const values: string[] = [];
  const raws = inside.split(',');
  for (const [index, raw] of raws.entries()) {
    const item = raw.trim();
    if (item === '') fail(text, `empty item in [${inside}]: write numbers like [1-3,7]`);
    const match = /^(\d+)(?:-(\d+)(?:\/(\d+))?)?$/.exec(item);
    if (match === null)
      fail(
        text,
        `"${item}" in [${inside}] is neither a number nor a range of numbers like 1-3 (or 1-9/2, every other one)`,
      );
    const [, low = '', high, every] = match;
    if (high === undefined) {
      values.push(low);
      continue;
    }
    const from = Number(low);
    const to = Number(high);
    const step = Number(every ?? '1');
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || !Number.isSafeInteger(step))
      fail(text, `range ${item} has numbers too large to count: use smaller numbers`);
    if (step === 0) fail(text, `range ${item} has a step of 0: write 1 or more after the /`);
    if (from > to) {
      const ascending = `${high}-${low}${every === undefined ? '' : `/${every}`}`;
      const swapped = raws.map((r, i) => (i === index ? ascending : r)).join(',');
      const fixed = `${text.slice(0, open + 1)}${swapped}${text.slice(close)}`;
      fail(text, `range ${item} is descending: write ${fixed}`);
    }
    const count = Math.floor((to - from) / step) + 1;
    if (count > maxHostRangeExpansion)
      fail(
        text,
        `range ${item} has ${String(count)} numbers, more than the ${String(maxHostRangeExpansion)} ` +
          'allowed: split it into smaller ranges',
      );
    const width = low.length > 1 && low.startsWith('0') ? low.length : 0;
    for (let n = from; n <= to; n += step) values.push(String(n).padStart(width, '0'));
  }
  return values;
}

function fail(text: string, problem: string): never {
  throw new TargetError({ target: text, problem });
}

/**
 * Splits `text` at each of the `separators` characters that is outside brackets, so that the commas of
 * `fit[1,3],node2` separate two parts, not three. Every part is returned, empty ones included (`'a,,b'`
 * gives `['a', '', 'b']`); a stray `]` does not count as a bracket.
 * @example
 * splitTopLevel('fit[1,3] node2,node[4-5]', ' ,'); // ['fit[1,3]', 'node2', 'node[4-5]']
 * @category combinators
 */
export function splitTopLevel(text: string, separators: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charAt(i);
    if (c === '[') depth += 1;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0 && separators.includes(c)) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * Compares host names in natural order: runs of digits by their numeric value (`fit2` before `fit10`,
 * `127.0.0.9` before `127.0.0.10`), the rest character by character; a total order, so `fit01` and `fit1`
 * are still told apart (fewer leading zeros first).
 * @example
 * ['fit10', 'fit9', 'fit1'].sort(compareHostsNaturally); // ['fit1', 'fit9', 'fit10']
 * @category combinators
 */
export function compareHostsNaturally(a: string, b: string): number {
  const as = chunks(a);
  const bs = chunks(b);
  for (let i = 0; i < Math.min(as.length, bs.length); i += 1) {
    const x = as[i] ?? '';
    const y = bs[i] ?? '';
    const order = isDigits(x) && isDigits(y) ? compareNumbers(x, y) : compareText(x, y);
    if (order !== 0) return order;
  }
  return as.length - bs.length || compareText(a, b);
}

const chunks = (text: string): string[] => text.match(/\d+|\D+/g) ?? [];
const isDigits = (chunk: string): boolean => /^\d/.test(chunk);
const compareText = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

function compareNumbers(x: string, y: string): number {
  const a = x.replace(/^0+(?=\d)/, '');
  const b = y.replace(/^0+(?=\d)/, '');
  return a.length - b.length || compareText(a, b) || x.length - y.length;
}

/** A host name cut around its last run of digits. */
interface Numbered {
  readonly prefix: string;
  readonly digits: string;
  readonly suffix: string;
}

/**
 * The inverse of {@link expandHostRanges}, as `clush -b` shows node sets: names that differ only in their
 * last run of digits are folded into `prefix[1-3,5]suffix`, keeping their zero padding
 * (`fit01 fit02 fit03 fit05` → `fit[01-03,05]`, `127.0.0.2`…`127.0.0.9` → `127.0.0.[2-9]`); a name alone in
 * its group, or without digits (or whose last digits are inside brackets, as in `[::1]`), is kept as it is. Groups are joined with `,`, in the natural order of
 * their first names (compared naturally: `fit2` before `fit10`); duplicates are dropped. Split the result
 * at its top-level commas and expand each part to get the sorted names back.
 * @example
 * foldHosts(['fit03', 'fit01', 'fit02', 'fit05', 'gw']); // 'fit[01-03,05],gw'
 * @category combinators
 */
export function foldHosts(hosts: readonly string[]): string {
  const groups = new Map<string, Numbered[]>();
  const parts: { first: string; text: string }[] = [];
  for (const host of [...new Set(hosts)].sort(compareHostsNaturally)) {
    const match = /^(.*?)(\d+)(\D*)$/s.exec(host);
    if (match === null || insideBrackets(match[1] ?? '')) {
      parts.push({ first: host, text: host });
      continue;
    }
    const [, prefix = '', digits = '', suffix = ''] = match;
    const key = JSON.stringify([prefix, suffix]);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [{ prefix, digits, suffix }]);
    else group.push({ prefix, digits, suffix });
  }
  for (const group of groups.values()) {
    const [first] = group;
    if (first === undefined) continue;
    const name = first.prefix + first.digits + first.suffix;
    const text = group.length === 1 ? name : `${first.prefix}[${foldNumbers(group)}]${first.suffix}`;
    parts.push({ first: name, text });
  }
  return parts
    .sort((x, y) => compareHostsNaturally(x.first, y.first))
    .map((part) => part.text)
    .join(',');
}

/** True when `prefix` leaves a bracket open, as in `[::` of `[::1]`: such digits are not folded. */
const insideBrackets = (prefix: string): boolean => prefix.split('[').length > prefix.split(']').length;

/**
 * The bracket contents for these digit strings. They are split into classes that a range can cover: the
 * zero-padded ones by width, joined by the unpadded ones of that width (`09`, `10`), and the rest; each
 * class is cut into runs of consecutive numbers.
 */
function foldNumbers(group: readonly Numbered[]): string {
  const padded = (digits: string): boolean => digits.length > 1 && digits.startsWith('0');
  const widths = new Set(group.filter((n) => padded(n.digits)).map((n) => n.digits.length));
  const classes = new Map<number, string[]>();
  for (const { digits } of group) {
    const width = padded(digits) || widths.has(digits.length) ? digits.length : 0;
    const members = classes.get(width);
    if (members === undefined) classes.set(width, [digits]);
    else members.push(digits);
  }
  const items: { first: string; text: string }[] = [];
  for (const members of classes.values()) {
    members.sort(compareNumbers);
    let start = 0;
    for (let i = 1; i <= members.length; i += 1) {
      const previous = members[i - 1] ?? '';
      const current = members[i];
      if (current !== undefined && BigInt(current) === BigInt(previous) + 1n) continue;
      const low = members[start] ?? '';
      items.push({ first: low, text: i - 1 === start ? low : `${low}-${previous}` });
      start = i;
    }
  }
  return items
    .sort((x, y) => compareNumbers(x.first, y.first))
    .map((item) => item.text)
    .join(',');
}

/**
 * The host names of a comma-separated list of names and ranges (`fit[01-03],gw`; commas inside brackets
 * belong to their range), in order, each once: ClusterShell's node set syntax, as `-H` and groups read it.
 * @throws {TargetError} as {@link expandHostRanges} does, for any item, or when the whole list has more than
 * `maxHostRangeExpansion` names.
 * @example
 * expandHostList('fit[1-3],fit[2-4]'); // ['fit1', 'fit2', 'fit3', 'fit4']
 * @category constructors
 */
export function expandHostList(text: string): string[] {
  const names = new Set<string>();
  for (const part of splitTopLevel(text, ',')) {
    const item = part.trim();
    if (item === '') continue;
    for (const name of expandHostRanges(item)) names.add(name);
    if (names.size > maxHostRangeExpansion)
      fail(
        text,
        `expands to more than the ${String(maxHostRangeExpansion)} names allowed: split it into smaller ranges`,
      );
  }
  return [...names];
}
