import type { CommandEvent } from './command-event.js';

/**
 * The last stderr lines of a command, for error messages: a ring of at most `size` lines.
 * @internal
 */
export class StderrTail {
  readonly #size: number;
  readonly #ring: string[] = [];
  #next = 0;

  constructor(size = 10) {
    this.#size = Math.max(0, size);
  }

  add(event: CommandEvent): void {
    if (event.type !== 'line' || event.stream !== 'stderr' || this.#size === 0) return;
    // keep a long line's end only: an error message is no place for 10 MB
    const text = event.bytes.length > 1000 ? `…${event.bytes.subarray(-1000).toString('utf8')}` : event.text;
    if (this.#ring.length < this.#size) this.#ring.push(text);
    else this.#ring[this.#next] = text;
    this.#next = (this.#next + 1) % this.#size;
  }

  lines(): string[] {
    return this.#ring.length < this.#size
      ? [...this.#ring]
      : [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
  }
}
