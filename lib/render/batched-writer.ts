/**
 * Gathering whole lines into fewer `write()` calls (internal to the writers of render/ and render/files/).
 * @module
 */
import type { Writable } from 'node:stream';

import type { Flow } from '../nodes/flow.js';

/** How many bytes are gathered before they are written without waiting for the end of the tick. @internal */
export const BATCH_LIMIT = 64 * 1024;

/**
 * Gathers the parts of whole lines (prefix, bytes, `\n`) for one stream at a time, and writes them as ONE
 * chunk at the end of the current tick (a microtask), as soon as {@link BATCH_LIMIT} bytes are pending, or
 * before parts for another stream are added: so every `write()` holds whole lines only, lines that arrive
 * together (one network chunk's worth) cost one `write()` and one copy, and the order of the writes across
 * streams is the order of the lines. Keeps at most one batch (about {@link BATCH_LIMIT} bytes, or one line)
 * in memory; the streams buffer the rest as usual.
 * @internal
 */
export class BatchedWriter {
  #stream: Writable | undefined;
  #parts: Buffer[] = [];
  #length = 0;
  #scheduled = false;
  readonly #limit: number;
  readonly #flow: Flow | undefined;

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
    for (const part of parts) {
      this.#parts.push(part);
      this.#length += part.length;
    }
    if (this.#length >= this.#limit) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  /** Writes what is pending, now. */
  flush(): void {
    const stream = this.#stream;
    if (stream === undefined || this.#length === 0) return;
    const parts = this.#parts;
    const chunk =
      parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts, this.#length);
    this.#parts = [];
    this.#length = 0;
    if (this.#flow === undefined) stream.write(chunk);
    else this.#flow.write(stream, chunk);
  }
}
