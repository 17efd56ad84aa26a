/**
 * The pieces of HTML every part of the report uses: escaping (everything from a journal is untrusted), the
 * states' colours and words, durations, and the page's style sheet. Pure: no I/O.
 * @module
 */
import type { ReportState } from './model.js';

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * `text` as HTML text or attribute value: `& < > " '` as entities, and the control characters that HTML
 * does not show (all but tab, newline and carriage return) as their visible symbols (`␀` for NUL, `␛` for
 * ESC...).
 * @example
 * escapeHtml('<script>alert(1)</script>'); // '&lt;script&gt;alert(1)&lt;/script&gt;'
 * @category models
 */
export const escapeHtml = (text: string): string =>
  text
    .replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, (c) =>
      String.fromCharCode(c === '\u007F' ? 0x2421 : 0x2400 + c.charCodeAt(0)),
    );

/** The colour of each state, in the graph, the timeline and the marks. */
export const STATE_COLOURS: Readonly<Record<ReportState, string>> = {
  done: '#2e9d4a',
  restored: '#9fd0ac', // hatched, see stateFill

  failed: '#d64541',
  tolerated: '#e8a33d',
  skipped: '#9aa5b1',
  cancelled: '#8e6bb8',
  running: '#3b82c4',
  'not-run': '#d5dae0',
};

/** Each state in words. */
export const STATE_WORDS: Readonly<Record<ReportState, string>> = {
  done: 'done',
  restored: 'restored (done in the run resumed)',
  failed: 'failed',
  tolerated: 'failed (tolerated)',
  skipped: 'skipped',
  cancelled: 'cancelled',
  running: 'running when the run stopped',
  'not-run': 'not run',
};

/** The light stripe of the hatching of restored jobs. */
const HATCH = '#e3f2e7';

/** The CSS background of a state's swatch: its colour, hatched for a restored job. */
export const stateBackground = (state: ReportState): string =>
  state === 'restored'
    ? `repeating-linear-gradient(135deg,${STATE_COLOURS.restored} 0 3px,${HATCH} 3px 5px)`
    : STATE_COLOURS[state];

/** The `fill` of a state in the SVG `svg` (its hatching pattern is `hatchDefs(svg)`, for a restored job). */
export const stateFill = (state: ReportState, svg: string): string =>
  state === 'restored' ? `url(#${svg}-hatch)` : STATE_COLOURS[state];

/** The pattern that hatches restored jobs in the SVG `svg` (put in its `<defs>`). */
export const hatchDefs = (svg: string): string =>
  `<defs><pattern id="${svg}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" ` +
  `patternTransform="rotate(45)"><rect width="6" height="6" fill="${STATE_COLOURS.restored}"/>` +
  `<rect width="2" height="6" fill="${HATCH}"/></pattern></defs>`;

/** A duration in milliseconds as `850 ms`, `12.3 s`, `4 min 05 s`, `1 h 02 min`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${String(Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s < 3600) return `${String(Math.floor(s / 60))} min ${two(s % 60)} s`;
  return `${String(Math.floor(s / 3600))} h ${two(Math.floor((s % 3600) / 60))} min`;
}

/** A size in bytes as `812 bytes`, `6.4 kB`, `18.4 MB` (powers of 1000). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${String(n)} byte${n === 1 ? '' : 's'}`;
  const [unit, size] = n < 1e6 ? ['kB', 1e3] : n < 1e9 ? ['MB', 1e6] : ['GB', 1e9];
  return `${(n / size).toFixed(1)} ${unit}`;
}

/** A label cut to `max` code points (with `…`), for boxes of fixed width; never cuts a surrogate pair. */
export function shorten(label: string, max: number): string {
  const points = Array.from(label);
  return points.length <= max ? label : `${points.slice(0, max - 1).join('')}…`;
}

/** The style sheet of the page (no font, no image, nothing fetched). */
export const STYLE = `
:root{color-scheme:light;--fg:#1d2329;--muted:#5f6b76;--line:#e3e7eb}
*{box-sizing:border-box}
body{margin:0;padding:16px 24px 48px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta{color:var(--muted);margin:0 0 12px;word-break:break-all}
.outcome{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600}
.o-success{background:#2e9d4a}.o-failure{background:#d64541}.o-interrupted{background:#3b82c4}.o-unknown{background:#5f6b76}
.counts{display:flex;flex-wrap:wrap;gap:8px;margin:10px 0;padding:0;list-style:none}
.counts li{border:1px solid var(--line);border-radius:6px;padding:4px 10px}
.counts b{font-size:16px}
.problems{background:#fff4e5;border:1px solid #e8a33d;border-radius:6px;padding:8px 12px;margin:10px 0}
.problems p{margin:2px 0}
table{border-collapse:collapse;margin:6px 0}
td,th{border-bottom:1px solid var(--line);padding:3px 10px 3px 0;text-align:left;vertical-align:top}
th{color:var(--muted);font-weight:600}
.failures td.err{white-space:pre-wrap;word-break:break-word;max-width:70ch}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:baseline}
.legend{color:var(--muted);font-size:12px;margin:4px 0}
.legend span{margin-right:12px}
.scroll{overflow:auto;max-height:80vh;border:1px solid var(--line);border-radius:6px}
svg text{font:12px system-ui,-apple-system,"Segoe UI",sans-serif;fill:var(--fg)}
svg .axis{fill:var(--muted)}
svg .tick{stroke:#eef1f4}
svg .edge{fill:none;stroke:#9aa5b1;stroke-width:1.2}
svg .edge.crit{stroke:#1d2329;stroke-width:2.2}
svg .node rect{stroke:#fff;stroke-width:1}
svg .node.crit rect{stroke:#1d2329;stroke-width:2.5}
svg .node text{fill:#fff}
svg .node.light text{fill:var(--fg)}
svg .crit.bar{stroke:#1d2329;stroke-width:1.5}
svg .span{opacity:.35}
details.job{border-bottom:1px solid var(--line);padding:3px 0}
details.job>summary{cursor:pointer}
details.job>summary .st{font-weight:600}
.job-body{padding:4px 0 8px 18px}
pre{margin:4px 0;padding:6px 8px;background:#f6f8fa;border-radius:4px;overflow:auto;max-height:32em;font:12px/1.35 ui-monospace,"DejaVu Sans Mono",monospace;white-space:pre}
pre.err{background:#fdf1f0}
.note{color:var(--muted)}
.crit-mark{font-weight:600;color:#1d2329}
`;
