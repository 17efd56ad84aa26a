/**
 * The live view of a run on a terminal: a block of lines redrawn in place (the counts, the running jobs and
 * their elapsed times) below the streamed output.
 * @module
 */
import type { Writable } from 'node:stream';

import type { SchedulerEvent } from '../core/events.js';
import type { Job } from '../core/job.js';
import { LiveModel } from './live-model.js';
import { passThrough } from './pass-through.js';
import type { LiveUnit } from './live-model.js';
import { localeIsUtf8 } from './print-list.js';
import { liveLines } from './text/live-text.js';
import type { LiveSnapshot } from './text/live-text.js';

export type { LiveUnit } from './live-model.js';

/** Options of {@link LiveView}. @category models */
export interface LiveViewOptions {
  /** The program's name, first on the first line. */
  readonly name: string;
  /** What is counted: `jobs`. */
  readonly unit: string;
  /**
   * The scheduler run, whose tree tells where each unit is: the units under a folded scheduler (a group, a
   * matrix) are one line, and a failure a scheduler above a unit tolerated counts as tolerated.
   */
  readonly scheduler?: Job | undefined;
  /** At most this many running jobs are shown (default 8), fewer on a terminal with few rows. */
  readonly maxRows?: number | undefined;
  /** How often the elapsed times are checked, in ms (default 250); redrawn only when they change. */
  readonly period?: number | undefined;
  /** The clock, in ms (default `performance.now`), for tests. */
  readonly now?: (() => number) | undefined;
  /** ASCII only (default: when the locale is not UTF-8). */
  readonly ascii?: boolean | undefined;
}

/** A size from the environment (COLUMNS, LINES), 0 when it holds none. */
const sizeFromEnv = (name: string): number => {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : 0;
};

/** Below this many columns, the view is its first line only (the counts), as the one progress line. */
const NARROW = 16;

/** Erase the rest of the line; erase from the cursor to the end of the screen. */
const EOL = '\x1b[K';
const EOS = '\x1b[J';

/**
 * The live view of a run on a terminal `stream` (stderr): the counts of `units`, then the running ones with
 * their elapsed times, a folded scheduler (a group, a matrix) as one line counting its members, redrawn in
 * place in one `write()` (cursor up, each line overwritten and the rest erased) when something changes, and
 * so once a second while jobs run. Output written through {@link LiveView.wrap} first erases the block, which is drawn again
 * below it, so the two never mix; `stop()` erases it for good. The same methods as {@link ProgressLine}.
 * @category running
 */
export class LiveView {
  readonly #stream: NodeJS.WriteStream;
  readonly #model: LiveModel;
  readonly #options: LiveViewOptions;
  readonly #ascii: boolean;
  /** The lines on the screen (0: none), the cursor at the end of the last one. */
  #shown = 0;
  /** The text drawn last, to draw nothing when it is the same. */
  #drawn = '';
  /** The last write through `wrap` did not end a line: drawing now would break it. */
  #partial = false;
  #stopped = false;
  readonly #timer: NodeJS.Timeout;
  #pending: NodeJS.Immediate | undefined;
  readonly #onResize = (): void => {
    this.#draw(true);
  };

  constructor(stream: NodeJS.WriteStream, units: readonly LiveUnit[], options: LiveViewOptions) {
    this.#stream = stream;
    this.#model = new LiveModel(units, options.scheduler, options.now ?? (() => performance.now()));
    this.#options = options;
    this.#ascii = options.ascii ?? !localeIsUtf8();
    this.#timer = setInterval(() => {
      this.#draw(false);
    }, options.period ?? 250);
    this.#timer.unref();
    stream.on('resize', this.#onResize);
  }

  /** An event of the run: a unit that starts is timed from now; any change is drawn at the end of the tick. */
  see(e: SchedulerEvent): void {
    if (e.type === 'value' || e.type === 'end') return;
    if (e.type === 'started') this.#model.started(e.job);
    this.#later();
  }

  /** Something changed (as {@link ProgressLine.update}; the counts are read from the jobs, not taken here). */
  update(): void {
    this.#later();
  }

  /** What the view shows now. */
  snapshot(): LiveSnapshot {
    return this.#model.snapshot();
  }

  /**
   * The lines of the view now, for a terminal of `columns` columns and `rows` rows: by default the stream's
   * size, read at each draw (it follows a resize); on a terminal that tells none (0), COLUMNS and LINES, then
   * 80 × 24. Below 16 columns, only the first line (the counts, clipped): no line is wider than the terminal,
   * which would wrap it, and the cursor would no longer go back up to the block's first line.
   */
  lines(
    columns = this.#stream.columns || sizeFromEnv('COLUMNS') || 80,
    rows = this.#stream.rows || sizeFromEnv('LINES') || 24,
  ): string[] {
    const narrow = columns < NARROW;
    const lines = liveLines(this.snapshot(), {
      name: this.#options.name,
      unit: this.#options.unit,
      width: Math.max(0, columns - 1),
      // the whole block stays on the screen, or the cursor could not go back up to its first line
      maxRows: narrow ? 0 : Math.max(0, Math.min(this.#options.maxRows ?? 8, rows - 3)),
      ascii: this.#ascii,
    });
    return narrow ? lines.slice(0, 1) : lines;
  }

  #later(): void {
    if (this.#pending !== undefined || this.#stopped) return;
    this.#pending = setImmediate(() => {
      this.#pending = undefined;
      this.#draw(false);
    });
  }

  /** To the start of the block's first line. */
  #home(): string {
    return this.#shown > 1 ? `\r\x1b[${String(this.#shown - 1)}A` : '\r';
  }

  /** Draws the block over the one shown, in one write; nothing when its text did not change (unless `force`). */
  #draw(force: boolean): void {
    if (this.#stopped || this.#partial) return;
    const lines = this.lines();
    const text = lines.join('\n');
    if (!force && this.#shown > 0 && text === this.#drawn) return;
    this.#stream.write(`${this.#home()}${lines.join(`${EOL}\n`)}${EOS}`);
    this.#shown = lines.length;
    this.#drawn = text;
  }

  /** Erases the block if it is shown, the cursor left where it started (it comes back at the next change). */
  clear(): void {
    if (this.#shown === 0) return;
    this.#stream.write(`${this.#home()}${EOS}`);
    this.#shown = 0;
  }

  /**
   * A stream that erases the block before each write to `target`, and draws it again afterwards (once that
   * write ends a line). A pure pass-through, as {@link ProgressLine.wrap}'s.
   */
  wrap(target: NodeJS.WritableStream): Writable {
    return passThrough(
      target,
      () => {
        this.clear();
      },
      (chunk) => {
        if (chunk.length > 0) this.#partial = chunk[chunk.length - 1] !== 0x0a;
        this.#later();
      },
    );
  }

  /** Erases the block and stops drawing it: no timer is left behind. */
  stop(): void {
    this.clear();
    this.#stopped = true;
    clearInterval(this.#timer);
    if (this.#pending !== undefined) clearImmediate(this.#pending);
    this.#pending = undefined;
    this.#stream.off('resize', this.#onResize);
  }
}
