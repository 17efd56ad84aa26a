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

/** Up to the first `n` lines of `text`. */
const firstLines = (text: string, n: number): string => {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = text.indexOf('\n', at + 1);
    if (at < 0) return text;
  }
  return text.slice(0, at + 1);
};

/** Up to the last `n` lines of `text` (a final `\n` ends the last line). */
const lastLines = (text: string, n: number): string => {
  let at = text.endsWith('\n') ? text.length - 1 : text.length;
  for (let i = 0; i < n; i++) {
    at = text.lastIndexOf('\n', at - 1);
    if (at < 0) return text;
  }
  return text.slice(at + 1);
};

const countLines = (text: string): number => {
  let n = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n++;
  return text.endsWith('\n') || text === '' ? n : n + 1;
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
    if (size <= 2 * bytes) {
      const all = await readAt(file, 0, size);
      const text = decoder.decode(all);
      const total = countLines(text);
      const notUtf8 = !isUtf8(all);
      if (total <= 2 * lines) return { size, head: text, notUtf8 };
      const head = firstLines(text, lines);
      const tail = lastLines(text, lines);
      return { size, head, tail, omittedLines: total - 2 * lines, notUtf8 };
    }
    const start = await readAt(file, 0, bytes);
    const end = await readAt(file, size - bytes, bytes);
    // cut at line ends where there is one, so that no character is cut in two
    const headText = decoder.decode(cutAfterLastNewline(start));
    const tailText = decoder.decode(cutBeforeFirstNewline(end));
    return {
      size,
      head: firstLines(headText, lines),
      tail: lastLines(tailText, lines),
      notUtf8: !isUtf8(cutAfterLastNewline(start)) || !isUtf8(cutBeforeFirstNewline(end)),
    };
  } finally {
    await file.close();
  }
}

const NL = 0x0a;

const cutAfterLastNewline = (b: Buffer): Buffer => {
  const at = b.lastIndexOf(NL);
  return at < 0 ? b : b.subarray(0, at + 1);
};

const cutBeforeFirstNewline = (b: Buffer): Buffer => {
  const at = b.indexOf(NL);
  return at < 0 || at === b.length - 1 ? b : b.subarray(at + 1);
};
