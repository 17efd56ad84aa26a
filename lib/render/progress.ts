import type { Writable } from 'node:stream';

import { passThrough } from './pass-through.js';

/** What a progress line counts. @category models */
export interface ProgressCounts {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly running: number;
}

/** Options of {@link ProgressLine}. @category models */
export interface ProgressLineOptions {
  /** The program's name, first on the line. */
  readonly name: string;
  /** What is counted: `hosts` or `jobs`. */
  readonly unit: string;
  /** Redraw period for the elapsed time, in ms. Default 250. */
  readonly period?: number | undefined;
  /** The clock, in ms (default `performance.now`), for tests. */
  readonly now?: (() => number) | undefined;
  /**
   * Whether the line is erased with an escape sequence (`\r\e[K`, the default); `false` erases it with
   * `\r` and spaces, for terminals (or users: NO_COLOR) that want no escape sequence.
   */
  readonly escapes?: boolean | undefined;
}

const CLEAR = '\r\x1b[K';

/**
 * A live status line on a terminal (`rxssh: 150/200 done, 3 failed, 47 running, 12.3 s`), redrawn in place
 * on `stream` (stderr). Output written through {@link ProgressLine.wrap} first erases the line, then the line
 * is drawn again below it, so the two never mix. `stop()` erases it for good.
 * @category running
 */
export class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #options: ProgressLineOptions;
  readonly #now: () => number;
  readonly #started: number;
  #counts: ProgressCounts = { total: 0, done: 0, failed: 0, running: 0 };
  #shown = false;
  /** The length of the line drawn last (erased with as many spaces without escapes). */
  #drawn = 0;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #pending: NodeJS.Immediate | undefined;

  constructor(stream: NodeJS.WriteStream, options: ProgressLineOptions) {
    this.#stream = stream;
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
    this.#timer = setInterval(() => {
      this.#draw();
    }, options.period ?? 250);
    this.#timer.unref();
  }

  /** The text of the line for these counts (without control characters). */
  text(counts: ProgressCounts = this.#counts): string {
    const elapsed = ((this.#now() - this.#started) / 1000).toFixed(1);
    const { name, unit } = this.#options;
    return (
      `${name}: ${String(counts.done + counts.failed)}/${String(counts.total)} ${unit} done, ` +
      `${String(counts.failed)} failed, ${String(counts.running)} running, ${elapsed} s`
    );
  }

  /** New counts: drawn at the end of the tick. */
  update(counts: ProgressCounts): void {
    this.#counts = counts;
    this.#later();
  }

  #later(): void {
    if (this.#pending !== undefined || this.#stopped) return;
    this.#pending = setImmediate(() => {
      this.#pending = undefined;
      this.#draw();
    });
  }

  #draw(): void {
    if (this.#stopped) return;
    const width = Math.max(10, (this.#stream.columns || 80) - 1);
    const text = this.text().slice(0, width);
    this.#stream.write(`${this.#erase()}${text}`);
    this.#drawn = text.length;
    this.#shown = true;
  }

  /** What erases the line drawn last, the cursor left at its start. */
  #erase(): string {
    if (this.#options.escapes !== false) return CLEAR;
    return this.#shown ? `\r${' '.repeat(this.#drawn)}\r` : '\r';
  }

  /** Erases the line if it is shown (it comes back at the next update or period). */
  clear(): void {
    if (!this.#shown) return;
    this.#stream.write(this.#erase());
    this.#shown = false;
  }

  /**
   * A stream that erases the line before each write to `target`, and draws it again afterwards. A pure
   * pass-through: each write goes to `target` at once (nothing queued, so writes to two wrapped streams keep
   * their order), and `target`'s errors stay on `target`, for its own listeners.
   */
  wrap(target: NodeJS.WritableStream): Writable {
    return passThrough(
      target,
      () => {
        this.clear();
      },
      () => {
        this.#later();
      },
    );
  }

  /** Erases the line and stops drawing it. */
  stop(): void {
    this.clear();
    this.#stopped = true;
    clearInterval(this.#timer);
    if (this.#pending !== undefined) clearImmediate(this.#pending);
  }
}
