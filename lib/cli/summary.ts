// The summary of failures that the CLIs print on stderr at the end of a run.
import { foldHosts } from '../hosts/host-ranges.js';

/** What the summary needs of a result. */
interface Failed {
  readonly label: string;
  readonly ok: boolean;
  readonly status: string;
  readonly detail?: string | undefined;
  /** A failure that its scheduler's `maxFailures` tolerated (then `ok` is true). */
  readonly tolerated?: { readonly status: string; readonly note: string } | undefined;
}

/**
 * How the units that did not simply succeed ended: `failed` fail the exit status; `tolerated` failures a
 * budget forgave (`ignored` ones it did not count); `notRun`, skipped or never started after a tolerated
 * failure; `cancelled`, stopped with a tolerated one. The summary's heading and `--json`'s summary say these.
 */
export interface OutcomeCounts {
  readonly failed: number;
  readonly tolerated: number;
  readonly ignored: number;
  readonly notRun: number;
  readonly cancelled: number;
}

/** The kind of a tolerated result: a failure (tolerated or ignored), or a job not run or cancelled after one. */
const toleratedKind = (r: Failed): 'tolerated' | 'ignored' | 'notRun' | 'cancelled' | undefined => {
  if (r.tolerated === undefined) return undefined;
  if (r.status === 'failed (tolerated)')
    return r.tolerated.note.startsWith('ignored') ? 'ignored' : 'tolerated';
  return r.status.startsWith('cancelled') ? 'cancelled' : 'notRun';
};

/** Counts the results that did not simply succeed, by {@link OutcomeCounts} kind. */
export function outcomeCounts(results: readonly Failed[]): OutcomeCounts {
  const counts = { failed: 0, tolerated: 0, ignored: 0, notRun: 0, cancelled: 0 };
  for (const r of results) {
    const kind = toleratedKind(r);
    if (kind !== undefined) counts[kind]++;
    else if (!r.ok) counts.failed++;
  }
  return counts;
}

/** `1 failure`, `2 jobs`. */
const count = (n: number, word: string): string => `${String(n)} ${n === 1 ? word : `${word}s`}`;

/**
 * The heading: `rxjobs: 2 of 8 jobs failed:`; with tolerated failures, what they are apart from the failures
 * (`rxjobs: no job failed; 2 failures tolerated, 2 jobs not run after them:`, `rxjobs: 1 of 8 jobs failed; 2
 * other failures tolerated:`), so that a run whose exit status is 0 never reads "failed".
 */
function headingOf(name: string, unitName: string, results: readonly Failed[]): string {
  const c = outcomeCounts(results);
  const unit = unitName.replace(/s$/, '');
  const head =
    c.failed === 0
      ? `${name}: no ${unit} failed`
      : `${name}: ${String(c.failed)} of ${count(results.length, unit)} failed`;
  const other = c.failed === 0 ? '' : 'other ';
  const forgiven = c.tolerated + c.ignored;
  const them = forgiven === 1 ? 'it' : 'them';
  const parts = [
    c.tolerated === 0
      ? ''
      : `${String(c.tolerated)} ${other}${c.tolerated === 1 ? 'failure' : 'failures'} tolerated`,
    c.ignored === 0 ? '' : `${String(c.ignored)} ${other}${c.ignored === 1 ? 'failure' : 'failures'} ignored`,
    c.notRun === 0
      ? ''
      : `${count(c.notRun, unit)} not run ${forgiven === 0 ? 'after a tolerated failure' : `after ${them}`}`,
    c.cancelled === 0
      ? ''
      : `${count(c.cancelled, unit)} cancelled ${forgiven === 0 ? 'with a tolerated failure' : `with ${them}`}`,
  ].filter((p) => p !== '');
  return `${head}${parts.length === 0 ? '' : `; ${parts.join(', ')}`}:`;
}

/** At most this many reasons are listed; the hosts of the rest are counted. */
export const SUMMARY_LINES = 20;

/** Continuation lines of a wrapped line start with this. */
const INDENT = '    ';
/** In a reason shared by several hosts, where each host's own name stood. */
const HOST = '<host>';

const firstLine = (text: string): string => text.split('\n', 1)[0] ?? '';

/**
 * The detail without the label in front, as errors name their node ("fit01: cannot connect: ..."): the line
 * says it already. A node named with the user and port it tried ("fit01 (root@fit01:2222): ...") keeps those.
 */
const withoutLabel = (detail: string, label: string): string => {
  if (!detail.startsWith(label)) return detail;
  const after = detail.slice(label.length);
  if (after.startsWith(': ')) return after.slice(2);
  const tried = /^ \(([^()]*)\): /.exec(after);
  return tried === null ? detail : `${tried[1] ?? ''}: ${after.slice(tried[0].length)}`;
};

/** Failures for the same reason: the same status and detail, each host's own name set aside. */
interface Reason {
  readonly status: string;
  /** The detail of the first host. */
  readonly detail: string;
  /** The detail with that host's name as {@link HOST}, for the reason shared by several. */
  readonly shared: string;
  /** What tolerated these failures (`tolerated (maxFailures 3)`), shown after the detail; '' if nothing. */
  readonly note: string;
  readonly labels: string[];
}

/** The failures grouped by reason, in the order of each reason's first host in `failed`. */
function reasonsOf(failed: readonly Failed[]): Reason[] {
  const reasons = new Map<string, Reason>();
  for (const r of failed) {
    // a job not run after a tolerated failure: its note says why (the detail says it again, less precisely)
    const kind = toleratedKind(r);
    const after = kind === 'notRun' || kind === 'cancelled';
    const text = after ? (r.tolerated?.note ?? '') : r.detail === undefined ? '' : firstLine(r.detail);
    // a group member (`prepare@fit07`) fails as its host does: `fit07: ...`, `prepare@fit07 failed`
    const host = /@([^@]+)$/.exec(r.label)?.[1];
    const detail =
      host === undefined ? withoutLabel(text, r.label) : withoutLabel(withoutLabel(text, r.label), host);
    const shared = [r.label, host].reduce(
      (t: string, name) => (name === undefined || name === '' ? t : t.replace(wordOf(name), HOST)),
      detail,
    );
    const status = r.tolerated?.status ?? r.status;
    const note = after ? '' : (r.tolerated?.note ?? '');
    const key = `${status}\n${shared}\n${note}`;
    const reason = reasons.get(key);
    if (reason === undefined) reasons.set(key, { status, detail, shared, note, labels: [r.label] });
    else reason.labels.push(r.label);
  }
  return [...reasons.values()];
}

/** Where `name` stands as a whole word of a detail (not inside `fit010` or `a.fit01`). */
const wordOf = (name: string): RegExp =>
  new RegExp(`(?<![\\w.-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-]|\\.\\w)`, 'g');

/**
 * `head` then the words of `text`, as lines of at most `width` characters: the words that do not fit go on
 * continuation lines that start with {@link INDENT}. Words are never cut: one longer than a line (a path, a
 * fingerprint) has a line of its own. With no `width`, one line.
 */
export function wrapLine(head: string, text: string, width?: number): string[] {
  if (width === undefined) return [`${head}${text}`.trimEnd()];
  const lines: string[] = [];
  let line = head;
  let fresh = true; // nothing of `text` on `line` yet
  for (const word of text.split(' ')) {
    if (fresh) {
      fresh = false;
      if (line.length + word.length <= width || line.trim() === '') line += word;
      else {
        lines.push(line.trimEnd()); // a long head: the text starts on the next line
        line = `${INDENT}${word}`;
      }
    } else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = `${INDENT}${word}`;
    }
  }
  lines.push(line.trimEnd());
  return lines;
}

/**
 * `name: 6 of 7 hosts failed:` then one line per reason (`  hosts  status  detail`): the hosts that failed
 * the same way (same status, same first line of detail once each host's own name is set aside) are folded
 * into one node set as `-b` folds outputs (`127.0.0.[3,5-7]`), their detail shown once (with `<host>` where
 * each host's name stood). Reasons come in the order of their first host in `results`, so the summary
 * follows the order of the targets. A failure that its scheduler's `maxFailures` tolerated is listed too,
 * with what tolerated it after its detail (`tolerated (maxFailures 3)`), and so is a job not run after one
 * (`p@fit02 failed, tolerated`); the heading counts them apart from the failures (see {@link headingOf}). Lines wrap at `columns` (continuation lines indented by 4), words
 * whole; without `columns` (not a terminal), each line is whole. At most {@link SUMMARY_LINES} reasons;
 * `''` when nothing failed.
 */
export function failureSummary(
  name: string,
  unitName: string,
  results: readonly Failed[],
  columns?: number,
): string {
  const failed = results.filter((r) => !r.ok || r.tolerated !== undefined);
  if (failed.length === 0) return '';
  const width = columns === undefined ? undefined : Math.max(40, columns - 1);
  const reasons = reasonsOf(failed);
  const shown = reasons.slice(0, SUMMARY_LINES);
  const hosts = shown.map((r) => (r.labels.length === 1 ? (r.labels[0] ?? '') : foldHosts(r.labels)));
  const hostsW = Math.min(30, Math.max(...hosts.map((h) => h.length)));
  const statusW = Math.min(24, Math.max(...shown.map((r) => r.status.length)));
  const lines = shown.flatMap((r, i) =>
    wrapLine(
      `  ${(hosts[i] ?? '').padEnd(hostsW)}  ${r.status.padEnd(statusW)}  `,
      [r.labels.length === 1 ? r.detail : r.shared, r.note].filter((t) => t !== '').join('  '),
      width,
    ),
  );
  if (reasons.length > SUMMARY_LINES) {
    const more = reasons.slice(SUMMARY_LINES).reduce((n, r) => n + r.labels.length, 0);
    lines.push(
      `  ... and ${String(more)} more failed in other ways (all of them with --json, or -o DIR --mark)`,
    );
  }
  return `${headingOf(name, unitName, results)}\n${lines.join('\n')}\n`;
}

/**
 * The width to wrap the summary at: `$COLUMNS` when set to a number, else the terminal's width when stderr
 * is one; `undefined` (whole lines) otherwise.
 */
export const summaryColumns = (stderr: NodeJS.WriteStream, env = process.env): number | undefined => {
  const columns = Number(env['COLUMNS']);
  if (Number.isInteger(columns) && columns > 0) return columns;
  return stderr.isTTY ? stderr.columns : undefined;
};
