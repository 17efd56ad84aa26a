import { EMPTY } from 'rxjs';

import { CycleError } from '../core/errors/cycle-error.js';
import { Job } from '../core/job.js';
import { Scheduler } from '../scheduler.js';
import { oneOrMany } from './codecs-combinators.js';
import { JobId, NodeId } from './codecs-values.js';
import type { Part, ScenarioParts } from './parts.js';
import { decoded } from './parts.js';
import type { DataPath, RawProblem } from './problems.js';
import { formatPath } from './problems.js';
import { suggest } from '../errors/suggest.js';

const Requires = oneOrMany(JobId, 'a job id or a list of job ids');

const problem = (path: DataPath, message: string): RawProblem => ({ path, message, at: 'value' });

/** `unknown node "gx" (did you mean "gw"?)`, or with the known ids when there are few. */
const unknownId = (kind: 'node' | 'job', id: string, known: ReadonlyMap<string, unknown>): string => {
  const near = suggest(id, known.keys());
  const hint =
    near !== undefined
      ? ` (did you mean "${near}"?)`
      : known.size > 0 && known.size <= 10
        ? ` (${kind}s: ${[...known.keys()].join(', ')})`
        : '';
  return `unknown ${kind} "${id}"${hint}`;
};

/** The first part of each id; a problem for each later one. */
const indexIds = <S>(kind: 'node' | 'job', parts: readonly Part<S>[], problems: RawProblem[]) => {
  const byId = new Map<string, Part<S>>();
  for (const part of parts) {
    if (part.id === undefined) continue;
    const first = byId.get(part.id);
    if (first === undefined) byId.set(part.id, part);
    else
      problems.push(
        problem([...part.path, 'id'], `duplicate ${kind} id "${part.id}" (also ${formatPath(first.path)})`),
      );
  }
  return byId;
};

/** Gateways: known, SSH nodes, no cycle (each cycle reported once, at its first node in the file). */
const checkGateways = (nodes: ReadonlyMap<string, Part<unknown>>, problems: RawProblem[]): void => {
  const gatewayOf = new Map<string, string>();
  for (const [id, part] of nodes) {
    const gateway = Object.hasOwn(part.raw, 'local') ? undefined : decoded(NodeId, part.raw['gateway']);
    if (gateway === undefined) continue;
    const target = nodes.get(gateway);
    const path = [...part.path, 'gateway'];
    if (target === undefined) problems.push(problem(path, unknownId('node', gateway, nodes)));
    else if (Object.hasOwn(target.raw, 'local'))
      problems.push(problem(path, `"${gateway}" is a local node: a gateway must be an SSH node`));
    else gatewayOf.set(id, gateway);
  }
  const reported = new Set<string>();
  for (const [id, part] of nodes) {
    const chain: string[] = [];
    let at: string | undefined = id;
    while (at !== undefined && !chain.includes(at)) {
      chain.push(at);
      at = gatewayOf.get(at);
    }
    if (at !== id || reported.has(id)) continue; // no cycle, or a cycle that `id` leads to but is not on
    for (const member of chain) reported.add(member);
    // written as chains are, gateway first: `a -> c -> b -> a` when a's gateway is b, b's is c, c's is a
    const text = [id, ...chain.slice(1).reverse(), id].join(' -> ');
    problems.push(problem([...part.path, 'gateway'], `the gateways form a cycle: ${text}`));
  }
};

/** The job ids that a job's `requires` names (none when it does not decode). */
type RequiresOf = (part: Part<unknown>) => readonly string[];

/**
 * Whether the requirements between known jobs have a cycle: Kahn's algorithm on the ids, without the
 * scheduler's stand-in jobs that name the cycles (ten times faster on 10,000 jobs that have none).
 */
const hasCycle = (jobs: ReadonlyMap<string, Part<unknown>>, requiresOf: RequiresOf): boolean => {
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const [id, part] of jobs) {
    const required = new Set(requiresOf(part).filter((r) => jobs.has(r)));
    waiting.set(id, required.size);
    for (const r of required) {
      const list = dependents.get(r);
      if (list === undefined) dependents.set(r, [id]);
      else list.push(id);
    }
  }
  const ready = [...waiting].flatMap(([id, n]) => (n === 0 ? [id] : []));
  let done = 0;
  for (let id = ready.pop(); id !== undefined; id = ready.pop()) {
    done += 1;
    for (const d of dependents.get(id) ?? []) {
      const n = (waiting.get(d) ?? 0) - 1;
      waiting.set(d, n);
      if (n === 0) ready.push(d);
    }
  }
  return done < waiting.size;
};

/**
 * Requirement cycles, found by the scheduler's own check on stand-in jobs: each cycle found is reported at
 * the `requires` of its first job in the file, then one of its edges is removed to look for more.
 */
const checkCycles = (
  jobs: ReadonlyMap<string, Part<unknown>>,
  requiresOf: RequiresOf,
  problems: RawProblem[],
): void => {
  if (!hasCycle(jobs, requiresOf)) return;
  const stand = new Map([...jobs.keys()].map((id) => [id, new Job(() => EMPTY, { label: id })]));
  const order = [...jobs.keys()];
  for (const [id, part] of jobs)
    for (const r of requiresOf(part)) {
      const required = stand.get(r);
      if (required !== undefined) stand.get(id)?.requires(required);
    }
  const scheduler = new Scheduler([...stand.values()]);
  for (let round = 0; round < order.length; round++) {
    try {
      scheduler.topologicalOrder();
      return;
    } catch (e: unknown) {
      if (!(e instanceof CycleError)) throw e;
      const cycle = e.cycle;
      const firstAt = cycle.reduce(
        (best, job, i) => (order.indexOf(job.label) < order.indexOf(cycle[best]?.label ?? '') ? i : best),
        0,
      );
      const rotated = [...cycle.slice(firstAt), ...cycle.slice(0, firstAt)];
      const head = rotated[0] as Job;
      const text = [...rotated, head].map((j) => j.label).join(' -> ');
      const path = [...(jobs.get(head.label)?.path ?? ['jobs']), 'requires'];
      problems.push(
        problem(path, `the requirements form a cycle: ${text} (each job requires the one before it)`),
      );
      (cycle[1] ?? head).removeRequirements(cycle[0]);
    }
  }
};

/**
 * Checks between the parts of a scenario: unique ids; `node`, `gateway` and `requires` naming existing
 * nodes and jobs; gateways that are SSH nodes, without cycles; requirements without cycles (among the
 * known jobs; with duplicate ids, the first job of an id).
 * @internal
 */
export const checkReferences = (parts: ScenarioParts): RawProblem[] => {
  const problems: RawProblem[] = [];
  const nodes = indexIds('node', parts.nodes, problems);
  const jobs = indexIds('job', parts.jobs, problems);
  checkGateways(nodes, problems);
  // a job's requires, decoded once for the three checks that read them (10,000 jobs in a big file)
  const requires = new Map<Part<unknown>, readonly string[]>();
  const requiresOf: RequiresOf = (part) => {
    let list = requires.get(part);
    if (list === undefined) requires.set(part, (list = decoded(Requires, part.raw['requires']) ?? []));
    return list;
  };
  for (const part of parts.jobs) {
    const node = decoded(NodeId, part.raw['node']);
    if (node !== undefined && !nodes.has(node))
      problems.push(problem([...part.path, 'node'], unknownId('node', node, nodes)));
    const raw = part.raw['requires'];
    requiresOf(part).forEach((r, i) => {
      if (!jobs.has(r))
        problems.push(
          problem([...part.path, 'requires', ...(Array.isArray(raw) ? [i] : [])], unknownId('job', r, jobs)),
        );
    });
  }
  checkCycles(jobs, requiresOf, problems);
  return problems;
};
