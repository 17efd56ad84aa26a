/**
 * The plan of a scenario as text, for `--dry-run`.
 * @module
 */
import path from 'node:path';

import { dialectNotes } from './apssh/notes.js';
import type { BuildScenarioOptions } from './build.js';
import type { JobSpec } from './codecs-jobs.js';
import { isMatrixJobSpec } from './codecs-jobs.js';
import type { NodeSpec } from './codecs-nodes.js';
import { isLocalNodeSpec, isNodeGroupSpec } from './codecs-nodes.js';
import { commandLines, flagText, jobFlags, seconds } from './describe-commands.js';
import type { DescribeContext } from './describe-groups.js';
import { describeGroupJob, describeGroupNode, describeMatrix, jobCount } from './describe-groups.js';
import type { LoadedScenario } from './load.js';
import { nodeVariables } from './node-variables.js';
import { substituteJob } from './substitute.js';

/** `gw -> n1`: the ids from the first gateway to the node. */
const chainOf = (node: NodeSpec, byId: ReadonlyMap<string, NodeSpec>): string[] => {
  const chain = [node.id];
  for (let at = byId.get(node.id); at !== undefined && !isLocalNodeSpec(at) && at.gateway !== undefined;) {
    if (chain.includes(at.gateway)) break;
    chain.unshift(at.gateway);
    at = byId.get(at.gateway);
  }
  return chain;
};

const describeNode = (node: NodeSpec, byId: ReadonlyMap<string, NodeSpec>, username: string | undefined) => {
  if (isLocalNodeSpec(node)) return 'local';
  if (isNodeGroupSpec(node)) return describeGroupNode(node, chainOf(node, byId).slice(0, -1), username);
  const user = node.username ?? username;
  const port = node.port === undefined || node.port === 22 ? '' : `:${String(node.port)}`;
  const chain = chainOf(node, byId);
  return `ssh ${user === undefined ? '' : `${user}@`}${node.hostname}${port}${chain.length > 1 ? ` via ${chain.join(' -> ')}` : ''}`;
};

const describeJob = (job: JobSpec): string[] => [
  `  ${job.id} on ${job.node}${flagText([
    ...jobFlags(job),
    job.requires !== undefined && job.requires.length > 0 && `requires ${job.requires.join(', ')}`,
  ])}`,
  ...commandLines(job.commands, '    '),
];

/** Options of {@link describeScenario}: those of `buildScenario`, and `unfold`. @category models */
export interface DescribeScenarioOptions extends BuildScenarioOptions {
  /** Each member of a job on a group, and each instance of a matrix, with its values (default: folded). */
  readonly unfold?: boolean | undefined;
}

/** `38 hosts`: the distinct host names of the nodes and groups. */
const hostCount = (nodes: readonly NodeSpec[]): number =>
  new Set(
    nodes.flatMap((n) => (isLocalNodeSpec(n) ? ['localhost'] : isNodeGroupSpec(n) ? n.hosts : [n.hostname])),
  ).size;

/**
 * The plan of a loaded scenario, for a dry run: the scheduler's options, the nodes (with their gateway
 * chains, `gw -> n1`), and the jobs in file order with their options, requirements and commands, the commands
 * as they will run (`{{name}}` replaced as in `buildScenario`; run-time names left as `{{name}}`). The same
 * scenario always gives the same text.
 * @example
 * if (dryRun) console.log(describeScenario(loaded));
 * @category combinators
 */
export function describeScenario(loaded: LoadedScenario, options: DescribeScenarioOptions = {}): string {
  const { spec } = loaded;
  const s = spec.scheduler ?? {};
  const scheduler = [
    JSON.stringify(s.label ?? path.basename(loaded.file)),
    s.timeout !== undefined && `timeout ${seconds(s.timeout)}`,
    s.jobsWindow !== undefined && `jobsWindow ${String(s.jobsWindow)}`,
    s.critical !== undefined && (s.critical ? 'critical' : 'not critical'),
    s.shutdownTimeout !== undefined && `shutdownTimeout ${seconds(s.shutdownTimeout)}`,
    s.cleanupTimeout !== undefined && `cleanupTimeout ${seconds(s.cleanupTimeout)}`,
  ].filter((f): f is string => typeof f === 'string');
  const byId = new Map(spec.nodes.map((n) => [n.id, n]));
  const width = Math.max(...spec.nodes.map((n) => n.id.length));
  const username = options.ssh?.username;
  // the jobs on groups, whose failed members the members of a job requiring them skip
  const groupJobs = new Set(
    spec.jobs.flatMap((job) => {
      const node = isMatrixJobSpec(job) ? undefined : byId.get(job.node);
      return node !== undefined && isNodeGroupSpec(node) ? [job.id] : [];
    }),
  );
  const ctx: DescribeContext = {
    globals: spec.variables,
    byId,
    username,
    unfold: options.unfold === true,
    groupJobs,
  };
  const grouped = spec.nodes.some(isNodeGroupSpec) || spec.jobs.some(isMatrixJobSpec);
  // a file without groups nor matrices is described as before they existed
  const counts = spec.jobs.map((job) => jobCount(job, ctx));
  const total = counts.reduce((n, c) => n + c.split('×').reduce((a, b) => a * Number(b), 1), 0);
  const entries = (n: number) => `${String(n)} entr${n === 1 ? 'y' : 'ies'}`;
  const many = (n: number, word: string) => `${String(n)} ${word}${n === 1 ? '' : 's'}`;
  return [
    `scenario ${loaded.file}`,
    `scheduler ${scheduler.join(', ')}`,
    grouped
      ? `nodes (${entries(spec.nodes.length)}, ${many(hostCount(spec.nodes), 'host')}):`
      : `nodes (${String(spec.nodes.length)}):`,
    ...spec.nodes.map((n) => `  ${n.id.padEnd(width)}  ${describeNode(n, byId, username)}`),
    grouped
      ? `jobs (${entries(spec.jobs.length)}, ${counts.join(' + ')} = ${many(total, 'job')}):`
      : `jobs (${String(spec.jobs.length)}):`,
    ...spec.jobs.flatMap((job) => {
      if (isMatrixJobSpec(job)) return describeMatrix(job, ctx);
      const node = byId.get(job.node);
      if (node !== undefined && isNodeGroupSpec(node)) return describeGroupJob(job, node, ctx);
      return describeJob(
        node === undefined ? job : substituteJob(job, nodeVariables(spec.variables, node, username)),
      );
    }),
    ...dialectNotes(loaded.dialect),
  ].join('\n');
}
