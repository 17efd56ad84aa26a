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
    // the detail usually starts with the label again ("fit01: cannot connect: ..."): say it once
    const rest = detail.startsWith(`${r.label}: `) ? detail.slice(r.label.length + 2) : detail;
    return `  ${r.label.padEnd(labelW)}  ${r.status.padEnd(statusW)}  ${rest}`.trimEnd().slice(0, width);
  });
  if (failed.length > SUMMARY_LINES)
    lines.push(
      `  ... and ${String(failed.length - SUMMARY_LINES)} more (all of them with --json, or -o DIR --mark)`,
    );
  const unit = results.length === 1 ? unitName.replace(/s$/, '') : unitName;
  return `${name}: ${String(failed.length)} of ${String(results.length)} ${unit} failed:\n${lines.join('\n')}\n`;
}
