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
    const detail = withoutLabel(r.detail === undefined ? '' : firstLine(r.detail), r.label);
    const shared = r.label === '' ? detail : detail.split(r.label).join(HOST);
    const status = r.tolerated?.status ?? r.status;
    const note = r.tolerated?.note ?? '';
    const key = `${status}\n${shared}\n${note}`;
    const reason = reasons.get(key);
    if (reason === undefined) reasons.set(key, { status, detail, shared, note, labels: [r.label] });
    else reason.labels.push(r.label);
  }
  return [...reasons.values()];
}

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
 * with what tolerated it after its detail (`tolerated (maxFailures 3)`), and counted in the heading
 * (`2 of 40 jobs failed (2 tolerated):`). Lines wrap at `columns` (continuation lines indented by 4), words
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
  const unit = results.length === 1 ? unitName.replace(/s$/, '') : unitName;
  const tolerated = failed.filter((r) => r.tolerated !== undefined).length;
  const how = tolerated === 0 ? '' : ` (${String(tolerated)} tolerated)`;
  return `${name}: ${String(failed.length)} of ${String(results.length)} ${unit} failed${how}:\n${lines.join('\n')}\n`;
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
