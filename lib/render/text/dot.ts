import { isScheduler } from '../../core/scheduler.js';
import type { Job } from '../../core/job.js';
import type { SchedulerCore as Scheduler } from '../../core/scheduler.js';
import { foldedGraphLabel, isFolded } from './fold.js';

// The graph of a scheduler in graphviz's DOT language (asynciojobs' `graph()`/`export_as_dotfile()`).
// Leaf jobs are nodes; nested schedulers are clusters. DOT cannot draw an edge to a cluster, so an edge into
// (out of) a nested scheduler goes to (from) one of its entry (exit) leaf jobs, clipped at the cluster's
// border with `lhead` (`ltail`), which needs `compound=true`. A folded scheduler (`fold: true`: a GroupJob, a
// MatrixJob) is one node, drawn as a 3D box, unless the graph is asked `unfold`.

/** What {@link toDot} and `toMermaid()` draw. @category models */
export interface GraphOptions {
  /**
   * Draw the members of folded schedulers (`fold: true`: a GroupJob, a MatrixJob) as any nested scheduler's
   * (a cluster, a subgraph); by default a folded scheduler is one node `prepare fit[01-37] ×37`.
   */
  readonly unfold?: boolean | undefined;
}

/** @internal a member that is itself a scheduler (brand check: no run-time import of scheduler.ts). */

/** @internal members in topological order, or in member order when there is a cycle (a graph must not throw). */
export const orderedMembers = (scheduler: Scheduler): Job[] => {
  try {
    return scheduler.topologicalOrder();
  } catch {
    return [...scheduler.jobs];
  }
};

/**
 * @internal numbers every job and nested scheduler below `scheduler`, depth-first in topological order, a
 * nested scheduler before its members: the numbers of `list()`. A job met twice keeps its first number; the
 * members of a folded scheduler get none (unless `unfold`).
 */
export function numberJobs(scheduler: Scheduler, unfold = false): Map<Job, number> {
  const ids = new Map<Job, number>();
  const visit = (s: Scheduler): void => {
    for (const job of orderedMembers(s)) {
      if (ids.has(job) || job === scheduler) continue;
      ids.set(job, ids.size + 1);
      if (isScheduler(job) && !isFolded(job, unfold)) visit(job);
    }
  };
  visit(scheduler);
  return ids;
}

/** @internal the middle one of `jobs` (the earlier of two), as asynciojobs picks the job an edge lands on. */
export const middle = <T>(jobs: readonly T[]): T | undefined => jobs[(jobs.length - 1) >> 1];

/**
 * @internal the jobs an edge into a scheduler may land on: its entry jobs, else (every member is on a
 * cycle) its members.
 */
export const entryCandidates = (s: Scheduler): Job[] => {
  const entries = s.entryJobs();
  return entries.length > 0 ? entries : orderedMembers(s);
};

/**
 * @internal the jobs an edge out of a scheduler may start from: its non-forever exit jobs, else any exit job,
 * else (every member is on a cycle) its members.
 */
export const exitCandidates = (s: Scheduler): Job[] => {
  for (const exits of [s.exitJobs(), s.exitJobs({ discardForever: false })])
    if (exits.length > 0) return exits;
  return orderedMembers(s);
};

/** @internal a DOT double-quoted string; `\n` is a line break in labels, and a backslash stays a backslash. */
export const dotString = (text: string): string =>
  `"${text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r\n|\r|\n/g, '\\n')}"`;

interface DotWalk {
  readonly ids: ReadonlyMap<Job, number>;
  readonly unfold: boolean;
  readonly lines: string[];
  /** Jobs and schedulers already drawn (a job in two schedulers is drawn in the first one only). */
  readonly drawn: Set<Job>;
  /** Anchors of nested schedulers already computed, by end (a scheduler may have many edges). */
  readonly anchors: { readonly entry: Map<Job, string>; readonly exit: Map<Job, string> };
}

const nodeId = (w: DotWalk, job: Job): string => `j${String(w.ids.get(job) ?? 0)}`;
const clusterId = (w: DotWalk, s: Scheduler): string => `cluster_${String(w.ids.get(s) ?? 0)}`;
const emptyId = (w: DotWalk, s: Scheduler): string => `empty_${String(w.ids.get(s) ?? 0)}`;

/** Whether `job` is drawn as a cluster (a nested scheduler that is not folded). */
const isCluster = (w: DotWalk, job: Job): job is Scheduler => isScheduler(job) && !isFolded(job, w.unfold);

/**
 * The node an edge into (`entry`) or out of (`exit`) `job` attaches to: `job` itself for a leaf or a folded
 * scheduler.
 */
function anchor(w: DotWalk, job: Job, end: 'entry' | 'exit', seen: ReadonlySet<Job> = new Set()): string {
  if (!isCluster(w, job)) return nodeId(w, job);
  const known = w.anchors[end].get(job);
  if (known !== undefined) return known;
  const candidates = (end === 'entry' ? entryCandidates(job) : exitCandidates(job)).filter(
    (j) => !seen.has(j) && j !== job,
  );
  const pick = middle(candidates);
  const found = pick === undefined ? emptyId(w, job) : anchor(w, pick, end, new Set([...seen, job]));
  w.anchors[end].set(job, found);
  return found;
}

/** `style`, `color` and `penwidth` of a job or a cluster. */
const styleAttributes = (forever: boolean, critical: boolean): string[] => [
  `style="${forever ? 'rounded,dashed' : 'rounded'}"`,
  ...(critical ? ['color="red"', 'penwidth=2'] : ['penwidth=0.5']),
];

function drawMembers(w: DotWalk, scheduler: Scheduler, defaultCritical: boolean, indent: string): void {
  const members = orderedMembers(scheduler);
  for (const job of members) {
    if (w.drawn.has(job)) continue;
    w.drawn.add(job);
    const critical = job.critical ?? defaultCritical;
    if (isCluster(w, job)) {
      w.lines.push(`${indent}subgraph ${clusterId(w, job)} {`);
      const inner = `${indent}  `;
      w.lines.push(`${inner}label=${dotString(job.graphLabel())};`);
      for (const attribute of styleAttributes(job.forever, critical)) w.lines.push(`${inner}${attribute};`);
      if (job.size === 0) w.lines.push(`${inner}${emptyId(w, job)} [shape=point, style=invis, label=""];`);
      drawMembers(w, job, critical, inner);
      w.lines.push(`${indent}}`);
    } else {
      const folded = isScheduler(job); // not a cluster: folded
      const attributes = [
        `label=${dotString(folded ? foldedGraphLabel(job, true) : job.graphLabel())}`,
        folded ? 'shape=box3d' : 'shape=box',
        ...styleAttributes(job.forever, critical),
      ];
      w.lines.push(`${indent}${nodeId(w, job)} [${attributes.join(', ')}];`);
    }
  }
  for (const job of members)
    for (const r of job.requirements) {
      if (!scheduler.has(r)) continue;
      const attributes: string[] = [];
      if (isCluster(w, r)) attributes.push(`ltail=${clusterId(w, r)}`);
      if (isCluster(w, job)) attributes.push(`lhead=${clusterId(w, job)}`);
      const suffix = attributes.length === 0 ? '' : ` [${attributes.join(', ')}]`;
      w.lines.push(`${indent}${anchor(w, r, 'exit')} -> ${anchor(w, job, 'entry')}${suffix};`);
    }
}

/**
 * The graph of a scheduler in graphviz's DOT language: one box per leaf job (dashed when `forever`, red when
 * critical), one cluster per nested scheduler, one edge per requirement between members of a scheduler.
 * Node ids are `j<N>`, N being the job's number in `list()`. A folded scheduler (`fold: true`, unless
 * `unfold`) is one node, `shape=box3d`, labelled with its size: `prepare\nfit[01-37] ×37`. Used by
 * `scheduler.toDot()`.
 * @example
 * writeFileSync('graph.dot', toDot(scheduler));
 * @category models
 */
export function toDot(scheduler: Scheduler, options: GraphOptions = {}): string {
  const unfold = options.unfold ?? false;
  const w: DotWalk = {
    ids: numberJobs(scheduler, unfold),
    unfold,
    lines: [],
    drawn: new Set([scheduler]),
    anchors: { entry: new Map(), exit: new Map() },
  };
  w.lines.push(`digraph ${dotString(scheduler.label)} {`, '  compound=true;');
  drawMembers(w, scheduler, scheduler.critical ?? false, '  ');
  w.lines.push('}');
  return `${w.lines.join('\n')}\n`;
}
