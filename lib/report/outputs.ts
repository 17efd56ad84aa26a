/**
 * A job's output file as a report shows it: all of it when short, else its first and last lines, read from
 * the ends of the file only (a 10 MiB output costs two small reads). Bytes that are not UTF-8 are decoded
 * with U+FFFD in their place, and said so.
 * @module
 */
import { open } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';

/** How much of an output a report holds. @category models */
export interface OutputLimits {
  /** Lines shown at each end of a long output (default 200). */
  readonly lines?: number | undefined;
  /** Bytes read at each end (default 64 KiB): very long lines are cut there too. */
  readonly bytes?: number | undefined;
}

/** An output as shown: the text of its ends, and what was left out. @category models */
export interface OutputExcerpt {
  /** The file's size in bytes. */
  readonly size: number;
  /** The first lines (all of the output when `tail` is undefined). */
  readonly head: string;
  /** The last lines, when the middle is left out. */
  readonly tail?: string;
  /** Lines left out, when known (the file was read whole), else undefined with `tail` set. */
  readonly omittedLines?: number;
  /** Bytes left out between `head` and `tail`, when the middle is left out. */
  readonly omittedBytes?: number;
  /** The limits it was cut by: lines and bytes at each end. */
  readonly limits: { readonly lines: number; readonly bytes: number };
  /** Some bytes were not valid UTF-8. */
  readonly notUtf8: boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Reads `length` bytes at `position` of an open file. */
async function readAt(
  file: Awaited<ReturnType<typeof open>>,
  position: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

const NL = 0x0a;

/** Up to the first `n` lines of `b`. */
const firstLines = (b: Buffer, n: number): Buffer => {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = b.indexOf(NL, at + 1);
    if (at < 0) return b;
  }
  return b.subarray(0, at + 1);
};

/** Up to the last `n` lines of `b` (a final `\n` ends the last line). */
const lastLines = (b: Buffer, n: number): Buffer => {
  let at = b.at(-1) === NL ? b.length - 1 : b.length;
  for (let i = 0; i < n; i++) {
    at = at <= 0 ? -1 : b.lastIndexOf(NL, at - 1);
    if (at < 0) return b;
  }
  return b.subarray(at + 1);
};

const countLines = (b: Buffer): number => {
  let n = 0;
  for (let at = b.indexOf(NL); at >= 0; at = b.indexOf(NL, at + 1)) n++;
  return b.at(-1) === NL || b.length === 0 ? n : n + 1;
};

/**
 * The excerpt of the output file `path`; undefined when there is no such file (a job without output).
 * Rejects only on an unexpected fs failure.
 * @category running
 */
export async function readOutput(
  path: string,
  limits: OutputLimits = {},
): Promise<OutputExcerpt | undefined> {
  const lines = limits.lines ?? 200;
  const bytes = limits.bytes ?? 64 * 1024;
  let file;
  try {
    file = await open(path, 'r');
  } catch (e: unknown) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const { size } = await file.stat();
    const cut = { limits: { lines, bytes } };
    if (size <= 2 * bytes) {
      const all = await readAt(file, 0, size);
      const total = countLines(all);
      const notUtf8 = !isUtf8(all);
      if (total <= 2 * lines) return { size, head: decoder.decode(all), notUtf8, ...cut };
      const head = firstLines(all, lines);
      const tail = lastLines(all, lines);
      const omittedBytes = size - head.length - tail.length;
      return { ...excerpt(size, head, tail, cut), omittedLines: total - 2 * lines, omittedBytes };
    }
    // cut at line ends where there is one, so that no character is cut in two
    const head = firstLines(cutAfterLastNewline(await readAt(file, 0, bytes)), lines);
    const tail = lastLines(cutBeforeFirstNewline(await readAt(file, size - bytes, bytes)), lines);
    return { ...excerpt(size, head, tail, cut), omittedBytes: size - head.length - tail.length };
  } finally {
    await file.close();
  }
}

/** The excerpt of a file of `size` bytes whose middle is left out. */
const excerpt = (
  size: number,
  head: Buffer,
  tail: Buffer,
  cut: Pick<OutputExcerpt, 'limits'>,
): OutputExcerpt => ({
  size,
  head: decoder.decode(head),
  tail: decoder.decode(tail),
  notUtf8: !isUtf8(head) || !isUtf8(tail),
  ...cut,
});

const cutAfterLastNewline = (b: Buffer): Buffer => {
  const at = b.lastIndexOf(NL);
  return at < 0 ? b : b.subarray(0, at + 1);
};

const cutBeforeFirstNewline = (b: Buffer): Buffer => {
  const at = b.indexOf(NL);
  return at < 0 || at === b.length - 1 ? b : b.subarray(at + 1);
};
