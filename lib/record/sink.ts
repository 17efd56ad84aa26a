/**
 * The files of a run directory being written: append-only streams that report their first error once.
 * @module
 */
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

import type { Flow } from '../nodes/flow.js';

const NL = Buffer.from('\n');

/** What the run's output files may hold, all together, before the commands are held. */
export const WRITE_BUDGET = 32 * 1024 * 1024;
/** What a file's lines are gathered into before they are written without waiting for the end of the tick. */
const LINE_BATCH = 64 * 1024;

/**
 * Back-pressure shared by the output files of a run: the bytes given to them and not written yet are counted,
 * and the flow is held while they pass `limit` (released below half of it). A file that is merely slower
 * than one chunk (a write stream says "full" past 16 KiB, less than one SSH chunk) does not hold the
 * commands at every chunk, as holding at each `write()` that returns false would (the run's wall time grew
 * by a third with 20 hosts of 10 MiB each); a disk that does not keep up still holds them, memory bounded.
 */
export class WriteBudget {
  readonly #flow: Flow | undefined;
  readonly #limit: number;
  #pending = 0;
  #release: (() => void) | undefined;

  constructor(flow: Flow | undefined, limit = WRITE_BUDGET) {
    this.#flow = flow;
    this.#limit = limit;
  }

  /** Bytes given to a file. */
  add(n: number): void {
    this.#pending += n;
    if (this.#pending > this.#limit && this.#release === undefined && this.#flow !== undefined)
      this.#release = this.#flow.hold();
  }

  /** Bytes written (or dropped). */
  done(n: number): void {
    this.#pending -= n;
    if (this.#pending <= this.#limit / 2) this.close();
  }

  /** Releases the hold, if any. */
  close(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}

/** Where a file's first error goes (the recorder stops recording there). */
export type OnFileError = (path: string, error: unknown) => void;

/** One file: a write stream, and whole lines gathered into fewer writes. */
export class FileSink {
  readonly path: string;
  readonly #stream: WriteStream;
  readonly #budget: WriteBudget | undefined;
  #lines: Buffer[] = [];
  #length = 0;
  #scheduled = false;

  /** Creates (truncates) `path`; with a `budget`, what it holds counts against it. */
  constructor(path: string, onError: OnFileError, budget?: WriteBudget) {
    this.path = path;
    this.#budget = budget;
    this.#stream = createWriteStream(path);
    this.#stream.on('error', (e) => {
      onError(path, e);
    });
  }

  /** Appends one line's bytes, and its `\n` when it had one (gathered until the end of the tick). */
  line(bytes: Buffer, newline: boolean): void {
    this.#lines.push(bytes);
    this.#length += bytes.length;
    if (newline) {
      this.#lines.push(NL);
      this.#length += 1;
    }
    if (this.#length >= LINE_BATCH) this.#flushLines();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.#flushLines();
      });
    }
  }

  #flushLines(): void {
    if (this.#length === 0) return;
    const lines = this.#lines;
    this.#lines = [];
    this.#length = 0;
    this.#write(lines.length === 1 && lines[0] !== undefined ? lines[0] : Buffer.concat(lines));
  }

  #write(chunk: Buffer | string): void {
    const budget = this.#budget;
    if (budget === undefined) {
      this.#stream.write(chunk);
      return;
    }
    const n = chunk.length;
    budget.add(n);
    // called once written, or with the error of a failed or destroyed stream
    this.#stream.write(chunk, () => {
      budget.done(n);
    });
  }

  /** Appends bytes as they are, in one write (after the lines gathered so far). */
  bytes(bytes: Buffer | string): void {
    this.#flushLines();
    this.#write(bytes);
  }

  /** Writes what is gathered, ends the file; resolves once it is closed (never rejects). */
  async close(): Promise<void> {
    this.#flushLines();
    if (!this.#stream.writableEnded) this.#stream.end();
    await finished(this.#stream).catch(() => undefined);
  }

  /** Drops what is not written yet and closes the file (after an error). */
  destroy(): void {
    this.#lines = [];
    this.#length = 0;
    this.#stream.destroy();
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
