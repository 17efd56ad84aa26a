/**
 * The lines of the live view of a run on a terminal: the counts, then the running jobs with their elapsed
 * times (a folded group as one line counting its members), at most so many, each clipped to the terminal.
 * @module
 */
import { clipText, terminalSafe, textColumns } from './terminal-safe.js';

/** How many jobs are in each state, for the live view's first line or a group's line. @internal */
export interface LiveCounts {
  readonly done: number;
  readonly failed: number;
  /** Failures that a `maxFailures` budget tolerated (or did not count). */
  readonly tolerated: number;
  readonly skipped: number;
  readonly cancelled: number;
  readonly running: number;
  /** Not started yet: waiting for requirements or for a window slot. */
  readonly waiting: number;
}

/** A running job of the live view. @internal */
export interface LiveRow {
  /** Its label, as given (made safe here). */
  readonly label: string;
  /** Since it started, in ms. */
  readonly elapsed: number;
  /** For a folded scheduler (a group, a matrix): its members by state. */
  readonly members?: LiveCounts | undefined;
}

/** What the live view shows. @internal */
export interface LiveSnapshot {
  /** Counts of the units (the scenario's jobs). */
  readonly counts: LiveCounts;
  /** The running units, the longest running first. */
  readonly rows: readonly LiveRow[];
  /** Since the run started, in ms. */
  readonly elapsed: number;
}

/** How the live view is laid out. @internal */
export interface LiveTextOptions {
  /** The program, first on the first line. */
  readonly name: string;
  /** What is counted (`jobs`). */
  readonly unit: string;
  /** Columns a line may take (the terminal's width less one, so that no line wraps). */
  readonly width: number;
  /** At most this many running jobs are shown, the rest counted on one more line. */
  readonly maxRows: number;
  /** ASCII only (a non-UTF-8 locale). */
  readonly ascii: boolean;
}

/** `7s`, `1m05s`, `2h03m`: whole seconds, so that the text changes once a second. @internal */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${String(s)}s`;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (s < 3600) return `${String(Math.floor(s / 60))}m${pad(s % 60)}s`;
  return `${String(Math.floor(s / 3600))}h${pad(Math.floor(s / 60) % 60)}m`;
}

/** The total of `counts`. @internal */
export const countsTotal = (c: LiveCounts): number =>
  c.done + c.failed + c.tolerated + c.skipped + c.cancelled + c.running + c.waiting;

/**
 * `10 done, 1 failed, 5 running, 24 waiting`: done, running and waiting always (`first` decides which
 * comes first), the others when not 0.
 */
function countsText(c: LiveCounts, first: 'done' | 'running'): string {
  const parts: string[] = [];
  const add = (n: number, word: string, always = false): void => {
    if (n > 0 || always) parts.push(`${String(n)} ${word}`);
  };
  if (first === 'running') add(c.running, 'running', true);
  add(c.done, 'done', true);
  add(c.failed, 'failed');
  add(c.tolerated, 'tolerated');
  add(c.skipped, 'skipped');
  add(c.cancelled, 'cancelled');
  if (first === 'done') add(c.running, 'running', true);
  add(c.waiting, 'waiting', first === 'done');
  return parts.join(', ');
}

/** Spaces before a job's line. */
const INDENT = '  ';

/**
 * The lines of the live view, without control characters: first the counts and the run's elapsed time
 * (`rxjobs: 40 jobs, 10 done, 1 failed, 5 running, 24 waiting, 1m05s`), then one line per running job, the
 * longest running first, its time right-aligned (`  prepare fit[01-37]: 12 running, 20 done, 1 failed  40s`),
 * at most `maxRows` of them and then `  … and 12 more running` (so at most `maxRows + 2` lines). Every line fits in `width` columns (a label
 * is cut with an ellipsis before its time is). Labels are made safe ({@link terminalSafe}).
 * @internal
 */
export function liveLines(snapshot: LiveSnapshot, options: LiveTextOptions): string[] {
  const { counts, rows, elapsed } = snapshot;
  const { width, ascii } = options;
  const ellipsis = ascii ? '...' : '…';
  const safe = (text: string): string => {
    const plain = terminalSafe(text).trim();
    // a matrix's keys pair hosts with ×; what else a label holds beyond ASCII is shown as ?
    return ascii ? plain.replace(/×/g, 'x').replace(/[^ -~]/gu, '?') : plain;
  };
  const total = countsTotal(counts);
  // `1 job`: the unit is named in the plural (`jobs`)
  const unit = total === 1 ? options.unit.replace(/s$/, '') : options.unit;
  const head =
    `${safe(options.name)}: ${String(total)} ${unit}, ` +
    `${countsText(counts, 'done')}, ${formatElapsed(elapsed)}`;
  const lines = [clipText(head, width, ellipsis)];
  const limit = Math.max(0, options.maxRows);
  // the line that would say "and 1 more" shows that job instead
  const cut = rows.length <= limit + 1 ? rows : rows.slice(0, limit);
  const texts = cut.map((row) => {
    const label = safe(row.label);
    return {
      text: row.members === undefined ? label : `${label}: ${countsText(row.members, 'running')}`,
      time: formatElapsed(row.elapsed),
    };
  });
  const timeWidth = Math.max(0, ...texts.map((t) => t.time.length));
  const room = width - INDENT.length - 2 - timeWidth; // columns for the label
  const labelWidth = Math.min(room, Math.max(0, ...texts.map((t) => textColumns(t.text))));
  for (const { text, time } of texts) {
    if (room < 1) {
      lines.push(clipText(`${INDENT}${text}`, width, ellipsis));
      continue;
    }
    const label = clipText(text, labelWidth, ellipsis);
    const pad = ' '.repeat(labelWidth - textColumns(label));
    lines.push(`${INDENT}${label}${pad}  ${time.padStart(timeWidth)}`);
  }
  if (cut.length < rows.length)
    lines.push(
      clipText(`${INDENT}${ellipsis} and ${String(rows.length - cut.length)} more running`, width, ellipsis),
    );
  return lines;
}
