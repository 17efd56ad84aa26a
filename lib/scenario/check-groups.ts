/**
 * The checks of groups and matrices between the parts of a scenario: what a group may be used for, the
 * keys only a job on a group takes, a matrix's axes, filter, instances and block of jobs.
 * @module
 */
import { parseWhere } from '../fleet/where.js';
import { expandHostList } from '../hosts/host-ranges.js';
import { suggest } from '../errors/suggest.js';
import { capturedBy } from './capture-names.js';
import { captureScope, checkFiles } from './check-files.js';
import { isRecord } from './codecs-combinators.js';
import type { MatrixJobSpec } from './codecs-jobs.js';
import { axisNamed, MatrixJobSpec as MatrixCodec } from './codecs-jobs.js';
import type { NodeSpec } from './codecs-nodes.js';
import { isNodeGroupSpec } from './codecs-nodes.js';
import { NodeId } from './codecs-values.js';
import { axesOf, excludeProblems, instancesOf, maxMatrixInstances, productSize } from './matrix-instances.js';
import type { Part, ScenarioParts } from './parts.js';
import { decoded } from './parts.js';
import type { DataPath, RawProblem } from './problems.js';
import { blockCycle } from './block-cycle.js';

/** At most this many jobs in one scenario, members and instances counted: a small file could make millions. */
const MAX_SCENARIO_JOBS = 1_000_000;

/** The hosts of a node entry that is a group, decoded. */
const hostsOf = (part: Part<NodeSpec> | undefined): readonly string[] | undefined => {
  const spec = part?.spec;
  return spec !== undefined && isNodeGroupSpec(spec) ? spec.hosts : undefined;
};

const GROUP_KEYS = ['maxFailures', 'memberTimeout', 'ignoreUnreachable', 'skipFailedMembers', 'jobsWindow'];

const problem = (path: DataPath, message: string, at: 'key' | 'value' = 'value'): RawProblem => ({
  path,
  message,
  at,
});

/** The nodes by id (the first of an id), decoded or not. */
const byId = (parts: readonly Part<NodeSpec>[]): Map<string, Part<NodeSpec>> => {
  const map = new Map<string, Part<NodeSpec>>();
  for (const part of parts) if (part.id !== undefined && !map.has(part.id)) map.set(part.id, part);
  return map;
};

/** The size of a group (undefined for one node), from its raw hostname when the entry has other problems. */
const groupSize = (part: Part<NodeSpec> | undefined): number | undefined => {
  if (part === undefined) return undefined;
  if (part.spec !== undefined) return isNodeGroupSpec(part.spec) ? part.spec.hosts.length : undefined;
  const hostname: unknown = part.raw['hostname'];
  const items: unknown[] = Array.isArray(hostname) ? hostname : [hostname];
  const hosts = new Set<string>();
  for (const item of items)
    try {
      if (typeof item === 'string') for (const host of expandHostList(item)) hosts.add(host);
    } catch {
      return Array.isArray(hostname) || hosts.size > 1 ? hosts.size : undefined;
    }
  return Array.isArray(hostname) || (typeof hostname === 'string' && !hosts.has(hostname))
    ? hosts.size
    : undefined;
};

/** `one-failed` runs after a failed requirement: without one it could never run. */
const oneFailed = (raw: Readonly<Record<string, unknown>>, path: DataPath): RawProblem[] =>
  raw['runIf'] === 'one-failed' &&
  (raw['requires'] === undefined || (Array.isArray(raw['requires']) && raw['requires'].length === 0))
    ? [problem([...path, 'runIf'], 'one-failed runs only after a failed requirement: give this job requires')]
    : [];

/** The problems of one matrix that decodes. */
const checkMatrix = (
  part: Part<unknown>,
  matrix: MatrixJobSpec,
  nodes: ReadonlyMap<string, Part<NodeSpec>>,
): RawProblem[] => {
  const problems: RawProblem[] = [];
  const at = (...keys: (string | number)[]) => [...part.path, ...keys];
  const axes = Object.keys(matrix.matrix);
  for (const [name, axis] of Object.entries(matrix.matrix)) {
    if (nodes.has(name))
      problems.push(
        problem(
          at('matrix', name),
          `axis "${name}" has the name of a node: name it otherwise (node: ${name} would mean either)`,
          'key',
        ),
      );
    if (typeof axis !== 'string') {
      const repeated = axis.find((v, i) => axis.indexOf(v) !== i);
      if (repeated !== undefined)
        problems.push(problem(at('matrix', name), `repeats the value "${repeated}": give each value once`));
      continue;
    }
    const node = nodes.get(axis);
    const size = groupSize(node);
    if (node === undefined) {
      const near = suggest(
        axis,
        [...nodes.keys()].filter((id) => groupSize(nodes.get(id)) !== undefined),
      );
      problems.push(
        problem(
          at('matrix', name),
          `unknown group "${axis}"${near === undefined ? '' : ` (did you mean "${near}"?)`}`,
        ),
      );
    } else if (size === undefined && node.spec !== undefined)
      problems.push(
        problem(
          at('matrix', name),
          `"${axis}" is one node, not a group: give a group id or a list of values`,
        ),
      );
  }
  const values = axesOf(matrix.matrix, (id) => hostsOf(nodes.get(id)));
  if (problems.length > 0) return problems;
  let where;
  if (matrix.where !== undefined)
    try {
      where = parseWhere(matrix.where, { names: [...axes, 'instance'], subject: '-' });
    } catch (e: unknown) {
      problems.push(problem(at('where'), (e as Error).message.replace(/^-: where /, '')));
    }
  problems.push(...excludeProblems(matrix.exclude, values, at));
  const size = productSize(values);
  if (size > maxMatrixInstances)
    problems.push(
      problem(
        at('matrix'),
        `has ${String(size)} instances, more than the ${String(maxMatrixInstances)} allowed: split it`,
      ),
    );
  else if (problems.length === 0 && instancesOf(values, where, matrix.exclude)?.length === 0)
    problems.push(
      problem(
        at(matrix.where === undefined ? 'exclude' : 'where'),
        `leaves no instance of the ${String(size)} of ${axes.join(' × ')}`,
      ),
    );
  const local = new Set(matrix.jobs.map((j) => j.id));
  matrix.jobs.forEach((job, k) => {
    const path = at('jobs', k);
    const axis = axisNamed(matrix, job.node);
    if (typeof axis === 'object')
      problems.push(
        problem(
          [...path, 'node'],
          `axis "${job.node}" is a list of values, not a group: node: names an axis over a group, or a node`,
        ),
      );
    else if (axis === undefined) {
      const node = nodes.get(job.node);
      if (node === undefined)
        problems.push(
          problem([...path, 'node'], `"${job.node}" is neither an axis (${axes.join(', ')}) nor a node`),
        );
      else if (groupSize(node) !== undefined)
        problems.push(
          problem(
            [...path, 'node'],
            `"${job.node}" is a group: in a matrix, make it an axis and name the axis`,
          ),
        );
    }
    const rawJob = (part.raw['jobs'] as unknown[])[k];
    const listed = isRecord(rawJob) && Array.isArray(rawJob['requires']);
    (job.requires ?? []).forEach((r, i) => {
      if (!local.has(r))
        problems.push(
          problem(
            [...path, 'requires', ...(listed ? [i] : [])],
            `unknown job "${r}" of this matrix (its jobs: ${[...local].join(', ')}); a job of the file goes ` +
              `in the matrix's own requires`,
          ),
        );
    });
    problems.push(...oneFailed({ runIf: job.runIf, requires: job.requires }, path));
  });
  const seen = new Set<string>();
  matrix.jobs.forEach((job, k) => {
    if (seen.has(job.id))
      problems.push(problem(at('jobs', k, 'id'), `duplicate job id "${job.id}" in this matrix`));
    seen.add(job.id);
  });
  const cycle = blockCycle(matrix.jobs);
  if (cycle !== undefined)
    problems.push(
      problem(
        at('jobs', cycle.index, 'requires'),
        `the requirements form a cycle: ${cycle.ids.join(' -> ')}`,
      ),
    );
  return problems;
};

/**
 * The local files and `{{name}}`s of the jobs of the matrices, checked as those of the file's jobs are, the
 * axes, `instance` and the block's captures counted as known names.
 */
const checkMatrixFiles = (
  parts: ScenarioParts,
  matrices: readonly { part: Part<unknown>; matrix: MatrixJobSpec }[],
  dir: string,
  runtimeVariables: readonly string[],
): RawProblem[] => {
  const nodes = byId(parts.nodes);
  const nodeOf = (job: Part<unknown>) => {
    const id = decoded(NodeId, job.raw['node']);
    return id === undefined ? undefined : nodes.get(id);
  };
  const top = captureScope(parts.jobs, nodeOf, runtimeVariables);
  return matrices.flatMap(({ part, matrix }) => {
    const jobs = matrix.jobs.map((job, k) => {
      const axis = axisNamed(matrix, job.node);
      const raw = ((part.raw['jobs'] as unknown[])[k] ?? {}) as Record<string, unknown>;
      return {
        path: [...part.path, 'jobs', k],
        raw: { ...raw, node: typeof axis === 'string' ? axis : job.node, requires: undefined },
        id: job.id,
        spec: undefined,
      };
    });
    // an instance's jobs see the global captures, the instance's own, and those of the member they run on
    const own = jobs.flatMap((job) => capturedBy((job.raw as Record<string, unknown>)['commands']));
    const axes = [...Object.keys(matrix.matrix), 'instance'];
    const scope = { ...top, shared: new Set([...top.shared, ...own, ...axes]) };
    const checked = { nodes: parts.nodes, jobs, variables: parts.variables };
    return checkFiles(checked, dir, [], axes, scope).filter((p) => p.path[0] !== 'nodes');
  });
};

/**
 * The problems of groups and matrices: a group as a gateway, the group keys on a job on one node,
 * `one-failed` without requirements, and each matrix's axes, filter, instances and jobs (their files and
 * `{{name}}`s too).
 * @internal
 */
export const checkGroups = (
  parts: ScenarioParts,
  dir: string,
  runtimeVariables: readonly string[] = [],
): RawProblem[] => {
  const problems: RawProblem[] = [];
  const nodes = byId(parts.nodes);
  for (const part of parts.nodes) {
    const gateway = Object.hasOwn(part.raw, 'local') ? undefined : decoded(NodeId, part.raw['gateway']);
    const size = gateway === undefined ? undefined : groupSize(nodes.get(gateway));
    if (size !== undefined)
      problems.push(
        problem(
          [...part.path, 'gateway'],
          `a gateway is one node: "${String(gateway)}" is a group of ${String(size)}`,
        ),
      );
  }
  const matrices: { part: Part<unknown>; matrix: MatrixJobSpec }[] = [];
  let total = 0; // jobs the file makes, matrices counted before their filter
  for (const part of parts.jobs) {
    problems.push(...oneFailed(part.raw, part.path));
    if (Object.hasOwn(part.raw, 'matrix')) {
      const matrix = decoded(MatrixCodec, part.raw);
      if (matrix !== undefined) {
        problems.push(...checkMatrix(part, matrix, nodes));
        matrices.push({ part, matrix });
        total += productSize(axesOf(matrix.matrix, (id) => hostsOf(nodes.get(id)))) * matrix.jobs.length;
      }
      continue;
    }
    const node = decoded(NodeId, part.raw['node']);
    const target = node === undefined ? undefined : nodes.get(node);
    total += (target === undefined ? undefined : groupSize(target)) ?? 1;
    if (target?.spec === undefined || groupSize(target) !== undefined) continue;
    for (const key of GROUP_KEYS)
      if (Object.hasOwn(part.raw, key))
        problems.push(
          problem([...part.path, key], `only for a job on a group: "${String(node)}" is one node`, 'key'),
        );
  }
  if (total > MAX_SCENARIO_JOBS)
    return [
      ...problems,
      problem(
        ['jobs'],
        `the file makes ${String(total)} jobs (members of groups and instances of matrices counted), more ` +
          `than the ${String(MAX_SCENARIO_JOBS)} allowed: split it into several scenarios`,
        'key',
      ),
    ];
  return [...problems, ...checkMatrixFiles(parts, matrices, dir, runtimeVariables)];
};
