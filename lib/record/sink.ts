/**
 * The files of a run directory being written: append-only streams that report their first error once.
 * @module
 */
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';

import type { Flow } from '../nodes/flow.js';
import { BatchedWriter } from '../render/batched-writer.js';

const NL = Buffer.from('\n');

/**
 * What a file buffers before `write()` says it is full (and a `flow` holds the commands): 16 KiB by default,
 * less than one chunk of SSH output, which would hold the flow at every chunk.
 */
const HIGH_WATER_MARK = 256 * 1024;

/** Where a file's first error goes (the recorder stops recording there). */
export type OnFileError = (path: string, error: unknown) => void;

/** One file: a write stream, and whole lines gathered into fewer writes. */
export class FileSink {
  readonly path: string;
  readonly #stream: WriteStream;
  readonly #writer: BatchedWriter;
  readonly #flow: Flow | undefined;

  /** Creates (truncates) `path`; with a `flow`, a full file holds it until it drains. */
  constructor(path: string, onError: OnFileError, flow?: Flow) {
    this.path = path;
    this.#flow = flow;
    this.#stream = createWriteStream(path, { highWaterMark: HIGH_WATER_MARK });
    this.#stream.on('error', (e) => {
      onError(path, e);
    });
    this.#writer = new BatchedWriter(undefined, flow);
  }

  /** Appends one line's bytes, and its `\n` when it had one. */
  line(bytes: Buffer, newline: boolean): void {
    this.#writer.add(this.#stream, newline ? [bytes, NL] : [bytes]);
  }

  /** Appends bytes as they are, in one write (after the lines gathered so far). */
  bytes(bytes: Buffer | string): void {
    this.#writer.flush();
    if (this.#flow === undefined) this.#stream.write(bytes);
    else this.#flow.write(this.#stream, bytes);
  }

  /** Writes what is gathered, ends the file; resolves once it is closed (never rejects). */
  async close(): Promise<void> {
    this.#writer.flush();
    if (!this.#stream.writableEnded) this.#stream.end();
    await finished(this.#stream).catch(() => undefined);
  }

  /** Drops what is not written yet and closes the file (after an error). */
  destroy(): void {
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
