/**
 * The report's timeline (a Gantt chart) as one inline SVG: one row and one bar (`rect.bar`) per job, and for
 * a scheduler (a job on a group, a matrix) a row spanning its members then one row per member, labelled with
 * its host; on a time axis from the run's start; coloured by state; the critical path outlined. A job that
 * never started gets a thin mark at the time it was skipped or cancelled. Pure.
 * @module
 */
import { countsText, memberStates, n } from './graph-svg.js';
import { escapeHtml, formatDuration, hatchDefs, shorten, stateFill, STATE_WORDS } from './html.js';
import type { ReportJob, ReportModel } from './model.js';
import { leavesOf } from './tree.js';

const ROW = 18;
const BAR = 12;
const LABEL = 260;
const CHART = 900;
const AXIS = 24;
/** The width of the mark of a restored job. */
const RESTORED_MARK = 8;

/** A tick step of 1, 2 or 5 × 10^k ms giving about `count` ticks over `span`. */
function tickStep(span: number, count: number): number {
  const raw = Math.max(span / count, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
}

const byPlan = (a: ReportJob, b: ReportJob): number => a.index - b.index;

interface Row {
  readonly job: ReportJob;
  /** A scheduler's row (a span, not a bar). */
  readonly span: boolean;
  /** A member's row: labelled with its host. */
  readonly member: boolean;
}

/** The rows of the timeline, in the order of the plan (a job restored or never started keeps its place). */
function rowsOf(model: ReportModel): Row[] {
  const rows: Row[] = [];
  for (const unit of [...model.units].sort(byPlan)) {
    const folded = unit.members.length > 0 || unit.plan.kind !== 'job';
    if (!folded) {
      rows.push({ job: unit, span: false, member: false });
      continue;
    }
    rows.push({ job: unit, span: true, member: false });
    for (const m of leavesOf(unit, model.jobs).sort(byPlan)) rows.push({ job: m, span: false, member: true });
  }
  return rows;
}

/** The SVG of the timeline of `model` (an empty string when there is no job). */
export function timelineSvg(model: ReportModel): string {
  const rows = rowsOf(model);
  if (rows.length === 0) return '';
  const { start } = model;
  const span = Math.max(model.end - start, 1);
  const scale = CHART / span;
  const x = (t: number): number => LABEL + (t - start) * scale;
  const height = AXIS + rows.length * ROW + 6;
  const width = LABEL + CHART + 40; // room for the label of a tick at the end of the axis
  const parts: string[] = [];
  const step = tickStep(span, 8);
  for (let t = 0; t <= span; t += step) {
    const at = n(LABEL + t * scale);
    parts.push(
      `<line class="tick" x1="${at}" y1="${String(AXIS - 4)}" x2="${at}" y2="${String(height)}"/>` +
        `<text class="axis" x="${at}" y="14" text-anchor="middle">${t === 0 ? '0' : `+${formatDuration(t)}`}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const { job } = row;
    const top = AXIS + i * ROW;
    const { node, label } = job.plan;
    // a group's member by its host (its label, prepare@fit07, says no more); a matrix's by label and host
    const name =
      !row.member || node === undefined ? label : label.includes(node) ? node : `${label} · ${node}`;
    const text = row.span
      ? `${job.plan.label} (${countsText(memberStates(job, model.jobs))})`
      : row.member
        ? `  ${name}`
        : name;
    parts.push(`<text x="4" y="${String(top + 12)}">${escapeHtml(shorten(text, 38))}</text>`);
    // a restored job: a hatched mark at the start (it did not run here); one that never started: a thin
    // mark when it was skipped or cancelled
    const restored = job.state === 'restored' && job.started === undefined;
    const from = restored ? start : (job.started ?? job.ended ?? model.end);
    const to = job.started === undefined ? from : (job.ended ?? model.end);
    const w = restored ? RESTORED_MARK : Math.max((to - from) * scale, 2);
    const took = job.started === undefined ? '' : `, ${formatDuration(to - from)}`;
    const where = node === undefined || label.includes(node) ? '' : ` on ${node}`;
    const title = `${label}${where}: ${STATE_WORDS[job.state]}${took}`;
    const crit = job.critical ? ' crit' : '';
    const host = row.member && node !== undefined ? ` data-host="${escapeHtml(node)}"` : '';
    parts.push(
      `<rect class="${row.span ? 'span' : 'bar'}${crit}" data-j="${String(job.index)}"${host} ` +
        `x="${n(x(from))}" y="${String(top + (ROW - BAR) / 2)}" width="${n(w)}" height="${String(BAR)}" ` +
        `fill="${stateFill(job.state, 'timeline')}"><title>${escapeHtml(title)}</title></rect>`,
    );
  });
  return (
    // as wide as the page up to its natural width: no sideways scroll in a narrow window
    `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="100%" style="max-width:${String(width)}px" ` +
    `viewBox="0 0 ${String(width)} ${String(height)}" role="img" aria-label="timeline">` +
    `${hatchDefs('timeline')}${parts.join('')}</svg>`
  );
}
