// The one-screen summary of failures that the CLIs print on stderr at the end of a run.

/** What the summary needs of a result. */
interface Failed {
  readonly label: string;
  readonly ok: boolean;
  readonly status: string;
  readonly detail?: string | undefined;
}

/** At most this many failures are listed; the rest are counted. */
export const SUMMARY_LINES = 20;

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

/**
 * `name: 2 of 5 hosts failed:` then one line per failure (`  label  status  detail`), cut to `columns`
 * (default 160), at most {@link SUMMARY_LINES}; `''` when nothing failed.
 */
export function failureSummary(
  name: string,
  unitName: string,
  results: readonly Failed[],
  columns?: number,
): string {
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return '';
  const width = Math.max(40, (columns ?? 161) - 1);
  const labelW = Math.min(30, Math.max(...failed.map((r) => r.label.length)));
  const statusW = Math.min(24, Math.max(...failed.map((r) => r.status.length)));
  const lines = failed.slice(0, SUMMARY_LINES).map((r) => {
    const detail = r.detail === undefined ? '' : firstLine(r.detail);
    const rest = withoutLabel(detail, r.label);
    return `  ${r.label.padEnd(labelW)}  ${r.status.padEnd(statusW)}  ${rest}`.trimEnd().slice(0, width);
  });
  if (failed.length > SUMMARY_LINES)
    lines.push(
      `  ... and ${String(failed.length - SUMMARY_LINES)} more (all of them with --json, or -o DIR --mark)`,
    );
  const unit = results.length === 1 ? unitName.replace(/s$/, '') : unitName;
  return `${name}: ${String(failed.length)} of ${String(results.length)} ${unit} failed:\n${lines.join('\n')}\n`;
}
