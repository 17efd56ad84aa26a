/**
 * The report's timeline (a Gantt chart) as one inline SVG: one row and one bar (`rect.bar`) per job, and for
 * a scheduler (a job on a group, a matrix) a row spanning its members then one row per member, labelled with
 * its host; on a time axis from the run's start; coloured by state; the critical path outlined. A job that
 * never started gets a thin mark at the time it was skipped or cancelled. Pure.
 * @module
 */
import { countsText, memberStates, n } from './graph-svg.js';
import { escapeHtml, formatDuration, shorten, STATE_COLOURS, STATE_WORDS } from './html.js';
import type { ReportJob, ReportModel } from './model.js';

const ROW = 18;
const BAR = 12;
const LABEL = 260;
const CHART = 900;
const AXIS = 24;

/** A tick step of 1, 2 or 5 × 10^k ms giving about `count` ticks over `span`. */
function tickStep(span: number, count: number): number {
  const raw = Math.max(span / count, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
}

const byStart = (a: ReportJob, b: ReportJob): number =>
  (a.started ?? Infinity) - (b.started ?? Infinity) || a.index - b.index;

/** The leaf jobs under a scheduler, through nested ones. */
function leavesOf(unit: ReportJob, jobs: readonly ReportJob[]): ReportJob[] {
  const leaves: ReportJob[] = [];
  const visit = (j: ReportJob): void => {
    for (const i of j.members) {
      const m = jobs[i];
      if (m === undefined) continue;
      if (m.members.length > 0 || m.plan.kind !== 'job') visit(m);
      else leaves.push(m);
    }
  };
  visit(unit);
  return leaves;
}

interface Row {
  readonly job: ReportJob;
  /** A scheduler's row (a span, not a bar). */
  readonly span: boolean;
  /** A member's row: labelled with its host. */
  readonly member: boolean;
}

/** The rows of the timeline, in order of start. */
function rowsOf(model: ReportModel): Row[] {
  const rows: Row[] = [];
  for (const unit of [...model.units].sort(byStart)) {
    const folded = unit.members.length > 0 || unit.plan.kind !== 'job';
    if (!folded) {
      rows.push({ job: unit, span: false, member: false });
      continue;
    }
    rows.push({ job: unit, span: true, member: false });
    for (const m of leavesOf(unit, model.jobs).sort(byStart))
      rows.push({ job: m, span: false, member: true });
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
  const width = LABEL + CHART + 16;
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
    const from = job.started ?? job.ended ?? model.end;
    const to = job.started === undefined ? from : (job.ended ?? model.end);
    const w = Math.max((to - from) * scale, 2);
    const took = job.started === undefined ? '' : `, ${formatDuration(to - from)}`;
    const where = node === undefined || label.includes(node) ? '' : ` on ${node}`;
    const title = `${label}${where}: ${STATE_WORDS[job.state]}${took}`;
    const crit = job.critical ? ' crit' : '';
    const host = row.member && node !== undefined ? ` data-host="${escapeHtml(node)}"` : '';
    parts.push(
      `<rect class="${row.span ? 'span' : 'bar'}${crit}" data-j="${String(job.index)}"${host} ` +
        `x="${n(x(from))}" y="${String(top + (ROW - BAR) / 2)}" width="${n(w)}" height="${String(BAR)}" ` +
        `fill="${STATE_COLOURS[job.state]}"><title>${escapeHtml(title)}</title></rect>`,
    );
  });
  return (
    `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="${String(width)}" height="${String(height)}" ` +
    `viewBox="0 0 ${String(width)} ${String(height)}" role="img" aria-label="timeline">${parts.join('')}</svg>`
  );
}
