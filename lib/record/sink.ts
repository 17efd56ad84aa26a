/**
 * The files of a run directory being written: append-only files that report their first error once.
 * @module
 */
import { closeSync, openSync, writevSync } from 'node:fs';

const NL = Buffer.from('\n');

/** What a file gathers before it is written, in one system call. */
export const WRITE_BATCH = 256 * 1024;
/** How long gathered bytes may wait before they are written (a crash loses at most that much). */
export const WRITE_DELAY_MS = 100;
/** Past this many pieces (lines), a batch is joined into one buffer before it is written. */
const MAX_PIECES = 64;

/** Where a file's first error goes (the recorder stops recording there). */
export type OnFileError = (path: string, error: unknown) => void;

/**
 * One file: the bytes given to it are gathered (without a copy) and written synchronously, {@link WRITE_BATCH}
 * at a time, or after {@link WRITE_DELAY_MS}, or at `close()`. Written at once rather than queued for the
 * thread pool: on a busy machine, queued writes fell behind the commands' output (20 hosts of 10 MiB each left
 * ~25 MiB waiting), and what waited was promoted to the old heap: major garbage collections and page faults
 * made the recorded run a quarter slower than the same run not recorded (bench/cli.bench.mjs, case
 * `recline`). So memory stays bounded (a batch per file) with no flow to hold: a disk that does not keep up
 * slows the reading of the output, as Node's own stdout to a file does. Its first error (opening included)
 * is reported once, asynchronously, then the file takes nothing more.
 */
export class FileSink {
  readonly path: string;
  readonly #onError: OnFileError;
  /** Undefined once closed or failed. */
  #fd: number | undefined;
  #pieces: Buffer[] = [];
  #length = 0;
  #timer: NodeJS.Timeout | undefined;

  /** Creates (truncates) `path`. */
  constructor(path: string, onError: OnFileError) {
    this.path = path;
    this.#onError = onError;
    try {
      this.#fd = openSync(path, 'w');
    } catch (e: unknown) {
      this.#failed(e);
    }
  }

  #failed(e: unknown): void {
    this.destroy();
    // after the caller's statement, as a stream's 'error' event would come: the recorder is started by then
    queueMicrotask(() => {
      this.#onError(this.path, e);
    });
  }

  #add(bytes: Buffer): void {
    if (this.#fd === undefined) return;
    this.#pieces.push(bytes);
    this.#length += bytes.length;
    if (this.#length >= WRITE_BATCH) this.flush();
    else
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.flush();
      }, WRITE_DELAY_MS).unref();
  }

  /** Appends one line's bytes, and its `\n` when it had one. */
  line(bytes: Buffer, newline: boolean): void {
    this.#add(bytes);
    if (newline) this.#add(NL);
  }

  /** Appends bytes as they are (kept, not copied: they must not change afterwards). */
  bytes(bytes: Buffer | string): void {
    this.#add(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  }

  /** Writes what is gathered, now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const fd = this.#fd;
    if (fd === undefined || this.#length === 0) return;
    let pieces =
      this.#pieces.length > MAX_PIECES ? [Buffer.concat(this.#pieces, this.#length)] : this.#pieces;
    this.#pieces = [];
    this.#length = 0;
    try {
      // a short write (rare: a signal, a full disk) goes on with the rest
      while (pieces.length > 0) {
        let written = writevSync(fd, pieces);
        let i = 0;
        for (; i < pieces.length && written >= (pieces[i] as Buffer).length; i++)
          written -= (pieces[i] as Buffer).length;
        pieces = pieces.slice(i);
        if (written > 0 && pieces[0] !== undefined) pieces[0] = pieces[0].subarray(written);
      }
    } catch (e: unknown) {
      this.#failed(e);
    }
  }

  /** Writes what is gathered, closes the file; resolves once it is closed (never rejects). */
  close(): Promise<void> {
    this.flush();
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined)
      try {
        closeSync(fd);
      } catch (e: unknown) {
        this.#failed(e);
      }
    return Promise.resolve();
  }

  /** Drops what is not written yet and closes the file (after an error). */
  destroy(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pieces = [];
    this.#length = 0;
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined)
      try {
        closeSync(fd);
      } catch {
        // failing already
      }
  }
}

/** How long a record may wait in memory before it is written (a crash loses at most that much). */
export const JOURNAL_DELAY_MS = 100;
/** What is written at once, without waiting for the delay. */
const JOURNAL_BATCH = 64 * 1024;

/**
 * `events.jsonl`: records gathered for at most {@link JOURNAL_DELAY_MS} (or {@link JOURNAL_BATCH} bytes),
 * then written as one chunk of whole lines; the stream keeps them in order.
 */
export class JournalSink {
  readonly #file: FileSink;
  #pending: string[] = [];
  #length = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(path: string, onError: OnFileError) {
    this.#file = new FileSink(path, onError);
  }

  /** Adds one record (its JSON text, without newline). */
  add(json: string): void {
    this.#pending.push(json);
    this.#length += json.length + 1;
    if (this.#length >= JOURNAL_BATCH) this.flush();
    else
      this.#timer ??= setTimeout(() => {
        this.flush();
      }, JOURNAL_DELAY_MS).unref();
  }

  /** Writes what is pending, now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const text = `${this.#pending.join('\n')}\n`;
    this.#pending = [];
    this.#length = 0;
    this.#file.bytes(text);
    this.#file.flush();
  }

  async close(): Promise<void> {
    this.flush();
    await this.#file.close();
  }

  destroy(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
    this.#file.destroy();
  }
}
