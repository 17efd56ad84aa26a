import type { CommandEvent } from './command-event.js';
import { bytesOf } from './command-event.js';

const NL = 0x0a;
/** A longer line keeps its end only, this many bytes: an error message is no place for 10 MB. */
const LONG = 1000;

/**
 * The last stderr lines of a command, for error messages: a ring of at most `size` lines, fed with every
 * event of the command's stream. Stderr line events are kept as they are; stderr chunk events are cut into
 * lines here (from the end of each chunk, so a chunk of many lines costs little), a partial last line being
 * kept when the exit event comes. Memory stays bounded: a line's beginning is dropped once it is long.
 * @internal
 */
export class StderrTail {
  readonly #size: number;
  /** The lines' bytes, without `\n`: views into the events' buffers, or a bounded copy. */
  readonly #ring: Buffer[] = [];
  #next = 0;
  /** The beginning of a line cut by stderr chunks, until its `\n` arrives. */
  #pending: Buffer[] = [];
  #pendingLength = 0;

  constructor(size = 10) {
    this.#size = Math.max(0, size);
  }

  add(event: CommandEvent): void {
    if (this.#size === 0) return;
    if (event.type === 'exit') {
      if (this.#pendingLength > 0) this.#push(this.#takePending());
    } else if (event.stream === 'stderr') {
      if (event.type === 'line') this.#push(bytesOf(event));
      else this.#addChunk(bytesOf(event));
    }
  }

  lines(): string[] {
    const ring =
      this.#ring.length < this.#size
        ? this.#ring
        : [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
    return ring.map((b) => (b.length > LONG ? `…${b.subarray(-LONG).toString('utf8')}` : b.toString('utf8')));
  }

  #push(bytes: Buffer): void {
    // a long line: a copy of its end, so that its whole (maybe megabytes) can go
    const line = bytes.length > LONG ? Buffer.from(bytes.subarray(-(LONG + 1))) : bytes;
    if (this.#ring.length < this.#size) this.#ring.push(line);
    else this.#ring[this.#next] = line;
    this.#next = (this.#next + 1) % this.#size;
  }

  /** The lines a chunk ends (the last `size` of them), then keeps what follows its last `\n`. */
  #addChunk(bytes: Buffer): void {
    const last = bytes.lastIndexOf(NL);
    if (last === -1) {
      this.#extend(bytes);
      return;
    }
    // the positions of the last `size` newlines, last first; `before` is the newline before them, or -1
    const ends = [last];
    let before = last === 0 ? -1 : bytes.lastIndexOf(NL, last - 1);
    while (before !== -1 && ends.length < this.#size) {
      ends.push(before);
      before = before === 0 ? -1 : bytes.lastIndexOf(NL, before - 1);
    }
    for (let i = ends.length - 1; i >= 0; i--) {
      const end = ends[i] ?? 0;
      const start = i === ends.length - 1 ? before + 1 : (ends[i + 1] ?? 0) + 1;
      const line = bytes.subarray(start, end);
      // the first line of the chunk completes what was pending, unless it was pushed out of the ring anyway
      if (start === 0 && this.#pendingLength > 0) {
        this.#extend(line);
        this.#push(this.#takePending());
      } else this.#push(line);
    }
    this.#pending = [];
    this.#pendingLength = 0;
    if (last + 1 < bytes.length) this.#extend(bytes.subarray(last + 1));
  }

  /** Adds bytes to the pending line, keeping its last bytes only once it is long. */
  #extend(bytes: Buffer): void {
    this.#pending.push(bytes);
    this.#pendingLength += bytes.length;
    if (this.#pendingLength > 2 * LONG) {
      // one more byte than LONG: `lines()` still sees that the line was cut
      const kept = Buffer.concat(this.#pending, this.#pendingLength).subarray(-(LONG + 1));
      this.#pending = [Buffer.from(kept)];
      this.#pendingLength = kept.length;
    }
  }

  #takePending(): Buffer {
    const line =
      this.#pending.length === 1 && this.#pending[0] !== undefined
        ? this.#pending[0]
        : Buffer.concat(this.#pending, this.#pendingLength);
    this.#pending = [];
    this.#pendingLength = 0;
    return line;
  }
}
