/**
 * The report's dependency graph as one inline SVG: the units of the run (jobs, and each scheduler folded into
 * one node with the counts of its members), coloured by final state, laid out in layers from left to right
 * ({@link layeredLayout}); the critical path drawn thick. Each node links to its job's section. Pure.
 * @module
 */
import { escapeHtml, formatDuration, hatchDefs, shorten, stateFill, STATE_WORDS } from './html.js';
import { layeredLayout } from './layout.js';
import type { ReportJob, ReportModel, ReportState } from './model.js';

const W = 180;
const H = 38;
const GAP_X = 56;
const GAP_Y = 12;
const PAD = 12;

/** The states of the leaf jobs under a scheduler, counted. */
export function memberStates(unit: ReportJob, jobs: readonly ReportJob[]): Map<ReportState, number> {
  const counts = new Map<ReportState, number>();
  const visit = (j: ReportJob): void => {
    for (const i of j.members) {
      const m = jobs[i];
      if (m === undefined) continue;
      if (m.members.length > 0 || m.plan.kind !== 'job') visit(m);
      else counts.set(m.state, (counts.get(m.state) ?? 0) + 1);
    }
  };
  visit(unit);
  return counts;
}

const SHORT: Readonly<Record<ReportState, string>> = {
  done: '✓',
  restored: 'restored',
  failed: '✗',
  tolerated: '✗ tolerated',
  skipped: 'skipped',
  cancelled: 'cancelled',
  running: 'running',
  'not-run': 'not run',
};

/** `12 ✓ 2 ✗ 1 skipped` */
export const countsText = (counts: ReadonlyMap<ReportState, number>): string =>
  [...counts].map(([state, n]) => `${String(n)} ${SHORT[state]}`).join(' ');

const duration = (j: ReportJob): string =>
  j.started !== undefined && j.ended !== undefined
    ? formatDuration(j.ended - j.started)
    : j.state === 'restored'
      ? 'restored'
      : STATE_WORDS[j.state];

/** The SVG of the graph of `model`'s units (an empty string when there are none). */
export function graphSvg(model: ReportModel): string {
  const { units, jobs } = model;
  if (units.length === 0) return '';
  const indexOf = new Map(units.map((u, i) => [u.plan.key, i]));
  const edges: [number, number][] = [];
  units.forEach((u, to) => {
    for (const key of u.plan.requires) {
      const from = indexOf.get(key);
      if (from !== undefined) edges.push([from, to]);
    }
  });
  const layout = layeredLayout(units.length, edges);
  const x = (i: number): number => PAD + (layout.places[i]?.column ?? 0) * (W + GAP_X);
  const y = (i: number): number => PAD + (layout.places[i]?.row ?? 0) * (H + GAP_Y);
  const width = PAD * 2 + layout.columns * (W + GAP_X) - GAP_X;
  const height = PAD * 2 + layout.rows * (H + GAP_Y) - GAP_Y;
  const parts: string[] = [];
  for (const [from, to] of edges) {
    const x1 = x(from) + W;
    const y1 = y(from) + H / 2;
    const x2 = x(to);
    const y2 = y(to) + H / 2;
    const mid = (x1 + x2) / 2;
    const crit = units[from]?.critical === true && units[to]?.critical === true ? ' crit' : '';
    parts.push(
      `<path class="edge${crit}" d="M${n(x1)} ${n(y1)}C${n(mid)} ${n(y1)} ${n(mid)} ${n(y2)} ${n(x2)} ${n(y2)}"/>`,
    );
  }
  units.forEach((u, i) => {
    const folded = u.members.length > 0 || u.plan.kind !== 'job';
    const counts = folded ? memberStates(u, jobs) : undefined;
    const size = counts === undefined ? 0 : [...counts.values()].reduce((a, b) => a + b, 0);
    const label = folded ? `${u.plan.label} (×${String(size)})` : u.plan.label;
    const second = counts === undefined ? duration(u) : countsText(counts);
    const light = u.state === 'not-run' || u.state === 'restored';
    const classes = `node${u.critical ? ' crit' : ''}${light ? ' light' : ''}`;
    const title = `${u.plan.label}: ${STATE_WORDS[u.state]}${counts === undefined ? '' : ` (${countsText(counts)})`}`;
    parts.push(
      `<a href="#j${String(u.index)}"><g class="${classes}" transform="translate(${n(x(i))},${n(y(i))})">` +
        `<title>${escapeHtml(title)}</title>` +
        `<rect width="${String(W)}" height="${String(H)}" rx="5" fill="${stateFill(u.state, 'graph')}"/>` +
        `<text x="8" y="15">${escapeHtml(shorten(label, 25))}</text>` +
        `<text x="8" y="31" font-size="11">${escapeHtml(shorten(second, 28))}</text></g></a>`,
    );
  });
  return (
    `<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" ` +
    `viewBox="0 0 ${n(width)} ${n(height)}" role="img" aria-label="dependency graph">${hatchDefs('graph')}${parts.join('')}</svg>`
  );
}

/** A coordinate, rounded to a tenth. */
export const n = (v: number): string => String(Math.round(v * 10) / 10);
