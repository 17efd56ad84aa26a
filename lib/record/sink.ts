/**
 * The files of a run directory being written: append-only files that report their first error once.
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs';

import { isNoSpace } from './outcome.js';

const NL = Buffer.from('\n');

/** What a file gathers before it is written, in one system call. */
export const WRITE_BATCH = 256 * 1024;
/** How long gathered bytes may wait before they are written (a crash loses at most that much). */
export const WRITE_DELAY_MS = 100;
/** A file's buffer at first: it doubles up to {@link WRITE_BATCH} as its output comes faster. */
const FIRST_BUFFER = 16 * 1024;

/** Where a file's first error goes (the recorder stops recording there). */
export type OnFileError = (path: string, error: unknown) => void;

/**
 * Where a full disk asks for room (the journal's file: the recorder gives back the room it kept for it); true
 * when it made some, and the write is tried again.
 */
export type OnNoSpace = () => boolean;

/**
 * Writes all of `data` at the file's position (a short write, rare, goes on with the rest); on a full disk,
 * once, asks `room` for some and goes on.
 */
const writeAll = (fd: number, data: Uint8Array, room?: OnNoSpace): void => {
  let asked = false;
  for (let done = 0; done < data.length;)
    try {
      done += writeSync(fd, data, done, data.length - done);
    } catch (e: unknown) {
      if (asked || room === undefined || !isNoSpace(e) || !room()) throw e;
      asked = true;
    }
};

/**
 * One file: the bytes given to it are copied into its buffer, written synchronously when the buffer is full
 * ({@link WRITE_BATCH} at most), after {@link WRITE_DELAY_MS}, or at `close()`; the buffer is then reused.
 * Before, the record kept the commands' chunks and queued them for the thread pool: on a busy machine the
 * queue fell behind (20 hosts of 10 MiB each left ~25 MiB waiting), what waited was promoted to the old
 * heap, and major garbage collections and page faults made the recorded run a quarter slower than the same
 * run not recorded (bench/cli.bench.mjs, case `recline`); kept chunks, even without a queue, still doubled
 * the time spent collecting. Now a chunk dies young, memory stays bounded (a buffer per file) with no flow to
 * hold, and a disk that does not keep up slows the reading of the output, as Node's own stdout to a file
 * does. Its first error (opening included) is reported once, asynchronously, then the file takes nothing
 * more.
 */
export class FileSink {
  readonly path: string;
  readonly #onError: OnFileError;
  readonly #room: OnNoSpace | undefined;
  /** Undefined once closed or failed. */
  #fd: number | undefined;
  #buffer: Buffer | undefined;
  #used = 0;
  #timer: NodeJS.Timeout | undefined;

  /** Creates (truncates) `path`; `room`: asked for room once when the disk is full. */
  constructor(path: string, onError: OnFileError, room?: OnNoSpace) {
    this.path = path;
    this.#onError = onError;
    this.#room = room;
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

  /** Room for `n` more bytes: a bigger buffer while under WRITE_BATCH, else what it holds written. */
  #roomFor(n: number): Buffer {
    const buffer = this.#buffer;
    if (buffer !== undefined && buffer.length - this.#used >= n) return buffer;
    if (buffer === undefined || buffer.length < WRITE_BATCH) {
      let size = buffer?.length ?? FIRST_BUFFER;
      while (size < WRITE_BATCH && size - this.#used < n) size *= 2;
      if (size - this.#used >= n) {
        const bigger = Buffer.allocUnsafeSlow(size);
        buffer?.copy(bigger, 0, 0, this.#used);
        this.#buffer = bigger;
        return bigger;
      }
    }
    this.flush();
    if (this.#fd === undefined) return Buffer.alloc(0); // the flush failed: #add writes nothing
    // empty now, and big enough unless it was still growing
    if (this.#buffer === undefined || this.#buffer.length < n)
      this.#buffer = Buffer.allocUnsafeSlow(WRITE_BATCH);
    return this.#buffer;
  }

  #add(bytes: Uint8Array, newline: boolean): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    const n = bytes.length + (newline ? 1 : 0);
    if (n > WRITE_BATCH) {
      // bigger than a batch: written as it is, after what is gathered
      this.flush();
      try {
        writeAll(fd, bytes, this.#room);
        if (newline) writeAll(fd, NL, this.#room);
      } catch (e: unknown) {
        this.#failed(e);
      }
      return;
    }
    const buffer = this.#roomFor(n);
    if (this.#fd === undefined) return; // the flush failed
    buffer.set(bytes, this.#used);
    this.#used += bytes.length;
    if (newline) buffer[this.#used++] = 0x0a;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, WRITE_DELAY_MS).unref();
  }

  /** Appends one line's bytes, and its `\n` when it had one. */
  line(bytes: Buffer, newline: boolean): void {
    this.#add(bytes, newline);
  }

  /** Appends bytes as they are. */
  bytes(bytes: Buffer | string): void {
    this.#add(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes, false);
  }

  /** Writes what is gathered, now. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const fd = this.#fd;
    if (fd === undefined || this.#used === 0 || this.#buffer === undefined) return;
    const data = this.#buffer.subarray(0, this.#used);
    this.#used = 0;
    try {
      writeAll(fd, data, this.#room);
    } catch (e: unknown) {
      this.#failed(e);
    }
  }

  /** Writes what is gathered, closes the file; resolves once it is closed (never rejects). */
  close(): Promise<void> {
    this.flush();
    const fd = this.#fd;
    this.#fd = undefined;
    this.#buffer = undefined;
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
    this.#buffer = undefined;
    this.#used = 0;
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

  constructor(path: string, onError: OnFileError, room?: OnNoSpace) {
    this.#file = new FileSink(path, onError, room);
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
