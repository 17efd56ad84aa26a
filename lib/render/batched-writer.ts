/**
 * Gathering whole lines into fewer `write()` calls (internal to the writers of render/ and render/files/).
 * @module
 */
import type { Writable } from 'node:stream';

import type { Flow } from '../nodes/flow.js';
import { prefixLines } from './prefix-lines.js';

/** How many bytes are gathered before they are written without waiting for the end of the tick. @internal */
export const BATCH_LIMIT = 64 * 1024;

/**
 * The size of the slabs that {@link BatchedWriter.addPrefixed} writes lines into: each batch written is a view
 * of one, so a slab is freed once the streams have written all its batches. @internal
 */
export const SLAB_SIZE = 1024 * 1024;

/**
 * Whether `stream` has written all it was given, and keeps nothing of it: Node's own stream for a
 * `process.stdout` or `process.stderr` that is a file (`rxssh ... > f`), which calls `fs.writeSync` in
 * `write()`, once nothing waits in its buffer. Any other stream may keep a reference to what it was given
 * (a socket until its write ends, a user's Writable for good), so the bytes given to it are never reused.
 */
const writesAtOnce = (stream: Writable): boolean =>
  stream.constructor.name === 'SyncWriteStream' &&
  // a `write` of its own: replaced by someone (a capture, a logger) who may keep what it is given
  !Object.hasOwn(stream, 'write') &&
  stream.writableLength === 0 &&
  !stream.destroyed;

/**
 * Gathers the parts of whole lines (prefix, bytes, `\n`) for one stream at a time, and writes them as ONE
 * chunk at the end of the current tick (a microtask), as soon as {@link BATCH_LIMIT} bytes are pending, or
 * before parts for another stream are added: so every `write()` holds whole lines only, lines that arrive
 * together (one network chunk's worth) cost one `write()` and one copy, and the order of the writes across
 * streams is the order of the lines. Keeps at most one batch (about {@link BATCH_LIMIT} bytes, or one line,
 * or one chunk's lines) in memory; the streams buffer the rest as usual.
 * @internal
 */
export class BatchedWriter {
  #stream: Writable | undefined;
  #parts: Buffer[] = [];
  #length = 0;
  #scheduled = false;
  readonly #limit: number;
  readonly #flow: Flow | undefined;
  /** Where {@link addPrefixed} writes: the slab, its bytes not yet among the parts from `#from`, its end. */
  #slab: Buffer | undefined;
  #from = 0;
  #to = 0;
  /** Whether a stream that keeps what it is given was given bytes of this slab. */
  #kept = false;

  /** With a `flow`, a stream whose buffer is full holds it until its `'drain'` (see `Flow.write`). */
  constructor(limit = BATCH_LIMIT, flow?: Flow) {
    this.#limit = limit;
    this.#flow = flow;
  }

  /** Adds the parts of one or more whole lines for `stream`. */
  add(stream: Writable, parts: readonly Buffer[]): void {
    if (stream !== this.#stream) {
      this.flush();
      this.#stream = stream;
    }
    this.#close();
    for (const part of parts) {
      this.#parts.push(part);
      this.#length += part.length;
    }
    this.#added();
  }

  /**
   * Adds whole lines for `stream`, each behind `prefix`: `parts` are their bytes one after the other (as
   * `LineSplitter.cutLines` gives them: parts without `\n`, then one that ends with `\n`), written as
   * `prefix`, the bytes, and `prefix` after every `\n` but the last: the same bytes as {@link add} of
   * `[prefix, line, \n]` for each line, made with no work per line (see prefix-lines.ts), into a slab.
   */
  addPrefixed(stream: Writable, prefix: Buffer, parts: readonly Buffer[]): void {
    const lines = parts[parts.length - 1];
    if (lines === undefined) return;
    if (stream !== this.#stream) {
      this.flush();
      this.#stream = stream;
    }
    this.#put(prefix);
    for (let i = 0; i < parts.length - 1; i++) this.#put(parts[i] as Buffer);
    prefixLines(prefix, lines, this.#putBound);
    this.#added();
  }

  /**
   * Copies `bytes` into the slab, after the run of lines there. When it is full, the run moves to the start
   * of a new slab, so that a batch stays one view to write (a batch of two parts would be copied again).
   */
  #put(bytes: Uint8Array): void {
    let slab = this.#slab;
    if (slab === undefined || this.#to + bytes.length > slab.length) {
      const run = slab?.subarray(this.#from, this.#to);
      slab = this.#slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, (run?.length ?? 0) + bytes.length));
      this.#from = 0;
      this.#to = run === undefined ? 0 : run.copy(slab, 0);
      this.#kept = false;
    }
    slab.set(bytes, this.#to);
    this.#to += bytes.length;
    this.#length += bytes.length;
  }

  readonly #putBound = (bytes: Uint8Array): void => {
    this.#put(bytes);
  };

  /** Writes what is pending, now. */
  flush(): void {
    const stream = this.#stream;
    if (stream === undefined || this.#length === 0) return;
    this.#close();
    const parts = this.#parts;
    const chunk =
      parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts, this.#length);
    this.#parts = [];
    this.#length = 0;
    if (this.#flow === undefined) stream.write(chunk);
    else this.#flow.write(stream, chunk);
    // written before write() returned: the slab's room is free again (no new slab, no garbage per batch),
    // unless a stream that keeps what it is given may hold a part of it
    if (!writesAtOnce(stream)) this.#kept = true;
    else if (!this.#kept) this.#from = this.#to = 0;
  }

  /** Flushes at the limit, or else at the end of the tick. */
  #added(): void {
    if (this.#length >= this.#limit) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  /** Ends the run of lines written into the slab since the last part: they become one part. */
  #close(): void {
    if (this.#to === this.#from || this.#slab === undefined) return;
    this.#parts.push(this.#slab.subarray(this.#from, this.#to));
    this.#from = this.#to;
  }
}
