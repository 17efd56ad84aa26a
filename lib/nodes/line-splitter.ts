import { isAscii } from 'node:buffer';

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

  /**
   * Calls `emit` for each complete line in `chunk` (with what was pending before it). When the lines that lie
   * wholly in `chunk` are ASCII (most output), their texts come from one decoding of them all, split on
   * `\n`: about a third of the cost of one decoding per line. Otherwise each line is decoded alone (a chunk
   * with one non-ASCII character decodes to a two-byte string, slower to make and to split than the lines).
   */
  push(chunk: Buffer, emit: (line: LineEvent) => void): void {
    let start = 0;
    let nl = chunk.indexOf(NL);
    if (nl === -1) {
      if (chunk.length > 0) this.#keep(chunk, 0);
      return;
    }
    if (this.#pendingLength > 0) {
      // the line that the pending bytes begin: decoded alone, as a character may span the two chunks
      this.#pending.push(chunk.subarray(0, nl));
      const bytes = Buffer.concat(this.#pending, this.#pendingLength + nl);
      this.#pending = [];
      this.#pendingLength = 0;
      emit(lineOf(this.#stream, bytes, true, this.#node, bytes.toString('utf8')));
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (start <= last && isAscii(chunk.subarray(start, last))) {
      const texts = chunk.toString('latin1', start, last).split('\n');
      let i = 0;
      while (start <= last) {
        nl = chunk.indexOf(NL, start);
        emit(lineOf(this.#stream, chunk.subarray(start, nl), true, this.#node, texts[i++] as string));
        start = nl + 1;
      }
    }
    while (start <= last) {
      nl = chunk.indexOf(NL, start);
      emit(
        lineOf(this.#stream, chunk.subarray(start, nl), true, this.#node, chunk.toString('utf8', start, nl)),
      );
      start = nl + 1;
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
    emit(lineOf(this.#stream, bytes, false, this.#node, bytes.toString('utf8')));
  }
}
