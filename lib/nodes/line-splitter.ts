import { isAscii } from 'node:buffer';

import type { LineEvent, NodeRef, OutputStream } from './command-event.js';
import { DEFAULT_MAX_LINE_BYTES, lineOf, nodeRef, pieceOf } from './command-event.js';

const NL = 0x0a;

/**
 * Where to cut `bytes` at about `at`: at `at`, or up to 3 bytes before it so that a UTF-8 character is not cut
 * in two (never at or before `start`).
 */
const charStart = (bytes: Buffer, at: number, start: number): number => {
  for (let i = at; i > start && i > at - 4; i--) if (((bytes[i] as number) & 0xc0) !== 0x80) return i;
  return at;
};

/**
 * Cuts one output stream into lines on the byte `\n`, across chunk boundaries. A line longer than a chunk is
 * gathered from its pieces once, when its end arrives (no quadratic copying for a 10 MB line). `end()` gives
 * the last partial line, if any.
 *
 * A line longer than `maxLineBytes` is not held whole: it comes out in pieces of `maxLineBytes` (see
 * `LineEvent.continues`), so at most about `maxLineBytes` plus a chunk is kept; the bytes of a started line
 * are then never empty while it goes on, so its last piece always follows in `push()` or `end()`.
 * @internal
 */
export class LineSplitter {
  readonly #stream: OutputStream;
  readonly #node: NodeRef;
  readonly #max: number;
  #pending: Buffer[] = [];
  #pendingLength = 0;

  constructor(stream: OutputStream, node: NodeRef, maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    this.#stream = stream;
    this.#node = nodeRef(node);
    this.#max = maxLineBytes;
  }

  /**
   * Emits `bytes` (the rest of a line, from `start`) as pieces while more than `maxLineBytes` are left, then
   * the last of it as a line event ending as `ending` says, or, when `ending` is undefined (the line goes on),
   * keeps it pending (a copy: at most `maxLineBytes`, and never empty).
   */
  #long(bytes: Buffer, start: number, emit: (line: LineEvent) => void, ending?: boolean): void {
    while (bytes.length - start > this.#max) {
      const cut = charStart(bytes, start + this.#max, start);
      emit(pieceOf(this.#stream, bytes.subarray(start, cut), this.#node));
      start = cut;
    }
    if (ending === undefined) this.#keep(bytes, start);
    else {
      const rest = bytes.subarray(start);
      emit(lineOf(this.#stream, rest, ending, this.#node, rest.toString('utf8')));
    }
  }

  /** Takes the pending bytes, with `more` after them, as one Buffer. */
  #take(more?: Buffer): Buffer {
    if (more !== undefined) this.#pending.push(more);
    const bytes = Buffer.concat(this.#pending, this.#pendingLength + (more?.length ?? 0));
    this.#pending = [];
    this.#pendingLength = 0;
    return bytes;
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
      if (this.#pendingLength + chunk.length > this.#max) this.#long(this.#take(chunk), 0, emit);
      else if (chunk.length > 0) this.#keep(chunk, 0);
      return;
    }
    if (this.#pendingLength > 0) {
      // the line that the pending bytes begin: decoded alone, as a character may span the two chunks
      const bytes = this.#take(chunk.subarray(0, nl));
      if (bytes.length > this.#max) this.#long(bytes, 0, emit, true);
      else emit(lineOf(this.#stream, bytes, true, this.#node, bytes.toString('utf8')));
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last - start > this.#max) {
      // a line of this chunk may be too long: each line on its own (a rare case, never the chunks of SSH
      // or of a pipe under the default limit)
      while (start <= last) {
        nl = chunk.indexOf(NL, start);
        this.#long(chunk.subarray(start, nl), 0, emit, true);
        start = nl + 1;
      }
    }
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
    if (chunk.length - start > this.#max) this.#long(chunk, start, emit);
    else if (start < chunk.length) this.#keep(chunk, start);
  }

  /**
   * The bytes of the lines that `chunk` completes, as parts to write one after the other: what was pending,
   * then `chunk` up to and including its last `\n` (no copy, no per-line work); the rest of `chunk` is kept
   * until a later chunk (or `end()`) completes it. `[]` when `chunk` holds no `\n`, unless more than
   * `maxLineBytes` are then pending: those are given at once (the beginning of a line, cut).
   */
  cut(chunk: Buffer): Buffer[] {
    const last = chunk.lastIndexOf(NL);
    if (last === -1) {
      if (chunk.length > 0) this.#keep(chunk, 0);
      if (this.#pendingLength <= this.#max) return [];
      const parts = this.#pending;
      this.#pending = [];
      this.#pendingLength = 0;
      return parts;
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

  /**
   * {@link cut} for a writer of host lines: the bytes of the lines that `chunk` completes (what was pending,
   * then `chunk` up to and including its last `\n`), keeping the rest, unless more than `maxLineBytes` would
   * then be pending: `undefined`, with nothing taken or kept, so that the caller gives `chunk` to `push()`
   * instead, which cuts the line that stays open into pieces at once. A completed line over the limit is
   * given whole: `push()` would give it as pieces one after the other, the same bytes behind one prefix.
   * Only the pending parts come before the last part, and they hold no `\n`; the last part (when any) ends
   * with `\n`. `[]` when `chunk` completes no line.
   */
  cutLines(chunk: Buffer): Buffer[] | undefined {
    const last = chunk.lastIndexOf(NL);
    if ((last === -1 ? this.#pendingLength + chunk.length : chunk.length - last - 1) > this.#max)
      return undefined;
    if (last !== -1) return this.cut(chunk);
    if (chunk.length > 0) this.#keep(chunk, 0);
    return [];
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
