import type { LineEvent, NodeRef, OutputStream } from './command-event.js';
import { lineOf, nodeRef } from './command-event.js';

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
    this.#node = nodeRef(node);
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
      emit(lineOf(this.#stream, bytes, true, this.#node));
      start = nl + 1;
      nl = chunk.indexOf(NL, start);
    }
    if (start < chunk.length) this.#keep(chunk, start);
  }

  /**
   * The bytes of the lines that `chunk` completes, as parts to write one after the other: what was pending,
   * then `chunk` up to and including its last `\n` (no copy, no per-line work); the rest of `chunk` is kept
   * until a later chunk (or `end()`) completes it. `[]` when `chunk` holds no `\n`.
   */
  cut(chunk: Buffer): Buffer[] {
    const last = chunk.lastIndexOf(NL);
    if (last === -1) {
      if (chunk.length > 0) this.#keep(chunk, 0);
      return [];
    }
    const whole = last + 1 === chunk.length ? chunk : chunk.subarray(0, last + 1);
    let parts = [whole];
    if (this.#pendingLength > 0) {
      parts = this.#pending;
      parts.push(whole);
      this.#pending = [];
      this.#pendingLength = 0;
    }
    if (last + 1 < chunk.length) this.#keep(chunk, last + 1);
    return parts;
  }

  /** Keeps `chunk` from `start` as the beginning of a line; a copy, since the caller may reuse its buffer. */
  #keep(chunk: Buffer, start: number): void {
    const rest = Buffer.from(chunk.subarray(start));
    this.#pending.push(rest);
    this.#pendingLength += rest.length;
  }

  /** Emits the last line when the stream did not end with `\n`. */
  end(emit: (line: LineEvent) => void): void {
    if (this.#pendingLength === 0) return;
    const bytes = Buffer.concat(this.#pending, this.#pendingLength);
    this.#pending = [];
    this.#pendingLength = 0;
    emit(lineOf(this.#stream, bytes, false, this.#node));
  }
}
