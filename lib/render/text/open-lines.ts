/**
 * The pieces of long lines (`LineEvent.continues`) on a terminal, where lines of other hosts may come between
 * them (internal to the writers of render/).
 * @module
 */
import type { LineEvent } from '../../nodes/command-event.js';
import { continuesLine } from '../../nodes/command-event.js';

const NL = Buffer.from('\n');

/**
 * Turns the parts of prefixed lines (`[time?, prefix, bytes, \n]`) into what to write for the pieces of long
 * lines: a piece leaves its line open (no `\n`), and the next piece of that line on the same output is
 * written bare, right after it, so that a long line of one host is written as its exact bytes behind one
 * prefix. When a line of another source comes between two pieces, the open line is ended by a `\n` first,
 * and the next piece of it starts a new prefixed line: hosts never mix within a line of the output.
 * @internal
 */
export class OpenLines {
  /** For each output, the source (job or node label, and stream) whose line a piece left open. */
  readonly #open = new Map<object, { readonly from: object | string; readonly stream: string }>();

  /** Whether no long line is open: every line is then written with its full parts. */
  get idle(): boolean {
    return this.#open.size === 0;
  }

  /**
   * The parts to write to `output` for `line`, whose full parts (prefix, bytes, `\n`) are `parts`; `from` is
   * the job the line comes from, when known (two jobs on one node are two sources).
   */
  parts(output: object, line: LineEvent, parts: Buffer[], from?: object): Buffer[] {
    const piece = continuesLine(line);
    if (!piece && this.#open.size === 0) return parts; // the usual case: no long line in progress
    const open = this.#open.get(output);
    const same = open !== undefined && open.from === (from ?? line.node.label) && open.stream === line.stream;
    let out = parts;
    if (same)
      out = parts.slice(-2); // the bytes and `\n`, without the prefix
    else if (open !== undefined) out = [NL, ...parts];
    if (piece) {
      if (!same) this.#open.set(output, { from: from ?? line.node.label, stream: line.stream });
      return out.slice(0, -1);
    }
    this.#open.delete(output);
    return out;
  }
}
