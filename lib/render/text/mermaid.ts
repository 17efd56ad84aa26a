import type { Job } from '../../core/job.js';
import type { SchedulerCore as Scheduler } from '../../core/scheduler.js';
import { isScheduler } from '../../core/scheduler.js';
import { numberJobs, orderedMembers } from './dot.js';
import type { GraphOptions } from './dot.js';
import { foldedGraphLabel, isFolded } from './fold.js';

// The graph of a scheduler as a Mermaid flowchart. Unlike DOT, Mermaid draws edges to and from a subgraph
// itself, so a nested scheduler is simply a subgraph `c<N>` and its requirements are edges to it. A folded
// scheduler (`fold: true`, unless `unfold`) is one node `j<N>[["label ×size"]]` (a subroutine shape).

/**
 * @internal a Mermaid quoted label: entity codes for the characters Mermaid or HTML would read (`#` first,
 * since entity codes start with it), `<br/>` for line breaks.
 */
export const mermaidString = (text: string): string =>
  `"${text
    .replace(/#/g, '#35;')
    .replace(/&/g, '#amp;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/\r\n|\r|\n/g, '<br/>')}"`;

const CLASS_DEFS = {
  critical: 'stroke:#d00,stroke-width:2px',
  forever: 'stroke-dasharray: 5 5',
} as const;
type ClassName = keyof typeof CLASS_DEFS;

interface MermaidWalk {
  readonly ids: ReadonlyMap<Job, number>;
  readonly unfold: boolean;
  readonly lines: string[];
  /** Jobs and schedulers already drawn (a job in two schedulers is drawn in the first one only). */
  readonly drawn: Set<Job>;
  readonly classes: Record<ClassName, string[]>;
}

/** `j<N>` for a job or a folded scheduler, `c<N>` for a nested scheduler (N: its number in `list()`). */
const mermaidId = (w: MermaidWalk, job: Job): string =>
  `${isScheduler(job) && !isFolded(job, w.unfold) ? 'c' : 'j'}${String(w.ids.get(job) ?? 0)}`;

function drawMembers(w: MermaidWalk, scheduler: Scheduler, defaultCritical: boolean, indent: string): void {
  const members = orderedMembers(scheduler);
  for (const job of members) {
    if (w.drawn.has(job)) continue;
    w.drawn.add(job);
    const id = mermaidId(w, job);
    const critical = job.critical ?? defaultCritical;
    if (critical) w.classes.critical.push(id);
    if (job.forever) w.classes.forever.push(id);
    if (isScheduler(job) && isFolded(job, w.unfold)) {
      w.lines.push(`${indent}${id}[[${mermaidString(foldedGraphLabel(job, false))}]]`);
    } else if (isScheduler(job)) {
      w.lines.push(`${indent}subgraph ${id} [${mermaidString(job.graphLabel())}]`);
      drawMembers(w, job, critical, `${indent}  `);
      w.lines.push(`${indent}end`);
    } else {
      w.lines.push(`${indent}${id}(${mermaidString(job.graphLabel())})`);
    }
  }
  for (const job of members)
    for (const r of job.requirements)
      if (scheduler.has(r)) w.lines.push(`${indent}${mermaidId(w, r)} --> ${mermaidId(w, job)}`);
}

/**
 * The graph of a scheduler as a Mermaid flowchart (top-down): one rounded node per leaf job, one subgraph
 * per nested scheduler, one edge per requirement between members of a scheduler; critical jobs and
 * schedulers get the class `critical` (red border), forever ones the class `forever` (dashed border).
 * A folded scheduler (`fold: true`, unless `unfold`) is one node, `j7[["prepare fit[01-37] ×37"]]`.
 * Used by `scheduler.toMermaid()`; paste it into a Markdown ` ```mermaid ` block.
 * @example
 * writeFileSync('graph.md', '```mermaid\n' + toMermaid(scheduler) + '```\n');
 * @category models
 */
export function toMermaid(scheduler: Scheduler, options: GraphOptions = {}): string {
  const unfold = options.unfold ?? false;
  const w: MermaidWalk = {
    ids: numberJobs(scheduler, unfold),
    unfold,
    lines: ['flowchart TD'],
    drawn: new Set([scheduler]),
    classes: { critical: [], forever: [] },
  };
  drawMembers(w, scheduler, scheduler.critical ?? false, '  ');
  for (const name of Object.keys(CLASS_DEFS) as ClassName[]) {
    const ids = w.classes[name];
    if (ids.length === 0) continue;
    w.lines.push(`  classDef ${name} ${CLASS_DEFS[name]}`, `  class ${ids.join(',')} ${name}`);
  }
  return `${w.lines.join('\n')}\n`;
}
