/**
 * Remote file names that are not valid UTF-8: a server's listing gives bytes, and Pull needs a local name
 * for them that says which bytes they were. Such a name is escaped: each byte that is not part of a valid
 * UTF-8 sequence is written `%XX` (two upper-case hex digits), and each `%` of the name is written `%25`, so
 * the escaped name gives back the exact bytes (decode every `%XX`). Names that are valid UTF-8 are kept as
 * they are. An escaped name always holds a `%`, so it is never `.` or `..`; a `/` or a NUL stays what it is
 * (ASCII is valid UTF-8) and is refused as in any name.
 * @module
 */

const fatal = new TextDecoder('utf-8', { fatal: true });

/** The length of the UTF-8 sequence that the byte `lead` starts, 0 when it starts none. */
const sequenceLength = (lead: number): number =>
  lead < 0x80 ? 1 : lead < 0xc2 ? 0 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : lead < 0xf5 ? 4 : 0;

/** Whether the `n` bytes of `bytes` at `i` are one valid UTF-8 sequence (no overlong form, no surrogate). */
const validAt = (bytes: Uint8Array, i: number, n: number): boolean => {
  if (n === 0 || i + n > bytes.length) return false;
  if (n === 1) return true;
  try {
    fatal.decode(bytes.subarray(i, i + n));
    return true;
  } catch {
    return false;
  }
};

const hex = (byte: number): string => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * The local name for the remote name `bytes`: undefined when they are valid UTF-8 (the name is used as
 * decoded), else the escaped name described in this module (`caf\xe9.txt` gives `caf%E9.txt`).
 * @internal
 */
export const escapedName = (bytes: Uint8Array): string | undefined => {
  let valid = true;
  try {
    fatal.decode(bytes);
  } catch {
    valid = false;
  }
  if (valid) return undefined;
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const byte = bytes[i] ?? 0;
    const n = sequenceLength(byte);
    if (!validAt(bytes, i, n)) {
      out += hex(byte);
      i += 1;
    } else {
      const text = Buffer.from(bytes.subarray(i, i + n)).toString('utf8');
      out += text === '%' ? '%25' : text;
      i += n;
    }
  }
  return out;
};

/** The bytes an escaped name stands for (the inverse of {@link escapedName}). @internal */
export const unescapedName = (name: string): Buffer => {
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of name.matchAll(/%([0-9A-F]{2})/g)) {
    parts.push(Buffer.from(name.slice(last, m.index), 'utf8'), Buffer.from([parseInt(m[1] ?? '0', 16)]));
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(name.slice(last), 'utf8'));
  return Buffer.concat(parts);
};
