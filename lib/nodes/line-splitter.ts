import type { NodeRef, OutputStream } from './command-event.js';
import { LineEvent } from './command-event.js';

const NL = 0x0a;

/**
 * Cuts one output stream into lines on the byte `\n`, across chunk boundaries. A line longer than a chunk is
 * gathered from its pieces once, when its end arrives (no quadratic copying for a 10 MB line). `end()` gives
 * the last partial line, if any.
 * @internal
 */
export class LineSplitter {
  readonly #stream: OutputStream;
  readonly #node: NodeRef;
  #pending: Buffer[] = [];
  #pendingLength = 0;

  constructor(stream: OutputStream, node: NodeRef) {
    this.#stream = stream;
    this.#node = node;
  }

  /** Calls `emit` for each complete line in `chunk` (with what was pending before it). */
  push(chunk: Buffer, emit: (line: LineEvent) => void): void {
    let start = 0;
    let nl = chunk.indexOf(NL, start);
    while (nl !== -1) {
      let bytes = chunk.subarray(start, nl);
      if (this.#pendingLength > 0) {
        this.#pending.push(bytes);
        bytes = Buffer.concat(this.#pending, this.#pendingLength + bytes.length);
        this.#pending = [];
        this.#pendingLength = 0;
      }
      emit(new LineEvent(this.#stream, bytes, true, this.#node));
      start = nl + 1;
      nl = chunk.indexOf(NL, start);
    }
    if (start < chunk.length) {
      // copy: the caller may reuse its chunk buffer
      const rest = Buffer.from(chunk.subarray(start));
      this.#pending.push(rest);
      this.#pendingLength += rest.length;
    }
  }

  /** Emits the last line when the stream did not end with `\n`. */
  end(emit: (line: LineEvent) => void): void {
    if (this.#pendingLength === 0) return;
    const bytes = Buffer.concat(this.#pending, this.#pendingLength);
    this.#pending = [];
    this.#pendingLength = 0;
    emit(new LineEvent(this.#stream, bytes, false, this.#node));
  }
}
