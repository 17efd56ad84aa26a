/**
 * The text of groups, jobs on groups and matrices, for `--dry-run`: folded (one line per group, one block
 * per job, `<hostname>` where each member has its own value), or unfolded (each member, its values filled in).
 * @module
 */
import { Variables } from '../commands/variables.js';
import { parseWhere } from '../fleet/where.js';
import { foldHosts } from '../hosts/host-ranges.js';
import type { InstanceJobSpec, JobSpec, MatrixJobSpec } from './codecs-jobs.js';
import { axisNamed } from './codecs-jobs.js';
import type { NodeGroupSpec, NodeSpec } from './codecs-nodes.js';
import { isNodeGroupSpec } from './codecs-nodes.js';
import type { MaxFailures, VariableValues } from './codecs-values.js';
import { commandLines, flagText, jobFlags, seconds } from './describe-commands.js';
import type { MatrixInstance } from './matrix-instances.js';
import { axesOf, instancesOf } from './matrix-instances.js';
import { MEMBER_OWN, memberVariables, nodeVariables, perMember } from './node-variables.js';
import { substituteJob } from './substitute.js';

/** What the text of the jobs needs to know of the file. @internal */
export interface DescribeContext {
  readonly globals: VariableValues | undefined;
  readonly byId: ReadonlyMap<string, NodeSpec>;
  readonly username: string | undefined;
  /** Each member and instance on its own lines (`--unfold`). */
  readonly unfold: boolean;
  /** The ids of the jobs on groups. */
  readonly groupJobs: ReadonlySet<string>;
}

/** The commands with `'<hostname>'` shown as `<hostname>`: a placeholder, not a quoted word. */
const placeholders = (lines: readonly string[]): string[] =>
  lines.map((line) => line.replace(/'<([A-Za-z_][A-Za-z0-9_]*)>'/g, '<$1>'));

/** `group of 37: ssh root@fit[01-37] via gw`. @internal */
export const describeGroupNode = (
  node: NodeGroupSpec,
  gateways: readonly string[],
  username: string | undefined,
): string => {
  const user = node.username ?? username;
  const port = node.port === undefined || node.port === 22 ? '' : `:${String(node.port)}`;
  const via = gateways.length > 0 ? ` via ${gateways.join(' -> ')}` : '';
  return `group of ${String(node.hosts.length)}: ssh ${user === undefined ? '' : `${user}@`}${foldHosts(node.hosts)}${port}${via}`;
};

/** `10% (3)`: the percentage and the count it allows of `size`; a count as it is. */
const budget = (maxFailures: MaxFailures, size: number): string =>
  typeof maxFailures === 'number'
    ? String(maxFailures)
    : `${maxFailures} (${String(Math.floor((Number.parseFloat(maxFailures) * size) / 100 + 1e-9))})`;

const groupOf = (id: string, ctx: DescribeContext): NodeGroupSpec | undefined => {
  const node = ctx.byId.get(id);
  return node !== undefined && isNodeGroupSpec(node) ? node : undefined;
};

/** The lines of a job on a group: the options, then the commands with `<hostname>`, `<node>`, `<index>`. @internal */
export const describeGroupJob = (job: JobSpec, group: NodeGroupSpec, ctx: DescribeContext): string[] => {
  const size = group.hosts.length;
  const values = memberVariables(ctx.globals, group, 0, ctx.username);
  for (const name of MEMBER_OWN) values.set(name, `<${name}>`);
  // the label as the commands: `prep <hostname>` folded, each member's own unfolded
  const folded = substituteJob(job, values);
  const flags = flagText([
    job.maxFailures !== undefined && `maxFailures ${budget(job.maxFailures, size)}`,
    job.memberTimeout !== undefined && `memberTimeout ${seconds(job.memberTimeout)}`,
    job.ignoreUnreachable === true && 'ignoreUnreachable',
    job.jobsWindow !== undefined && `jobsWindow ${String(job.jobsWindow)}`,
    ...jobFlags(folded),
    job.requires !== undefined && job.requires.length > 0 && `requires ${job.requires.join(', ')}`,
    job.skipFailedMembers === false
      ? 'skipFailedMembers off'
      : (job.requires ?? []).some((r) => ctx.groupJobs.has(r)) && 'skipFailedMembers',
  ]);
  const head = `  ${job.id} on ${job.node} ×${String(size)}${flags}`;
  const each = perMember(job.label);
  if (ctx.unfold)
    return [
      head,
      ...group.hosts.flatMap((host, i) => {
        const member = substituteJob(job, memberVariables(ctx.globals, group, i, ctx.username));
        return [
          `    ${job.id}@${host}${each ? flagText([`label ${JSON.stringify(member.label)}`]) : ''}`,
          ...commandLines(member.commands, '      '),
        ];
      }),
    ];
  return [head, ...placeholders(commandLines(folded.commands, '    '))];
};

/** The instances of a matrix as the file gives them. @internal */
export const matrixInstances = (matrix: MatrixJobSpec, ctx: DescribeContext): MatrixInstance[] =>
  instancesOf(
    axesOf(matrix.matrix, (id) => groupOf(id, ctx)?.hosts),
    matrix.where === undefined ? undefined : parseWhere(matrix.where),
    matrix.exclude,
  ) ?? [];

/** The value of axis `name` in `instance` (own values only: a node named `constructor` is no axis). */
const axisValue = (instance: MatrixInstance | undefined, name: string): string | undefined =>
  instance !== undefined && Object.hasOwn(instance.values, name) ? instance.values[name] : undefined;

/** The values of the `{{name}}`s of a job of a matrix instance (`<sender>` when folded). */
const instanceValues = (
  job: InstanceJobSpec,
  matrix: MatrixJobSpec,
  instance: MatrixInstance | undefined,
  ctx: DescribeContext,
): Variables => {
  const axis = axisNamed(matrix, job.node);
  const group = typeof axis === 'string' ? groupOf(axis, ctx) : undefined;
  const node = ctx.byId.get(job.node);
  const index =
    group === undefined || instance === undefined
      ? 0
      : group.hosts.indexOf(axisValue(instance, job.node) ?? '');
  const values =
    group !== undefined
      ? memberVariables(ctx.globals, group, Math.max(index, 0), ctx.username)
      : node !== undefined
        ? nodeVariables(ctx.globals, node, ctx.username)
        : new Variables(Object.entries(ctx.globals ?? {}));
  const shown = (name: string, value: string | undefined) =>
    instance === undefined ? `<${name}>` : (value ?? '');
  for (const name of Object.keys(matrix.matrix)) values.set(name, shown(name, axisValue(instance, name)));
  values.set('instance', shown('instance', instance?.name));
  if (group !== undefined && instance === undefined)
    for (const name of MEMBER_OWN) values.set(name, `<${name}>`);
  return values;
};

const instanceJobLines = (
  matrix: MatrixJobSpec,
  instance: MatrixInstance | undefined,
  ctx: DescribeContext,
  indent: string,
): string[] =>
  matrix.jobs.flatMap((job) => {
    const own = substituteJob(job, instanceValues(job, matrix, instance, ctx));
    return [
      // unfolded, an axis names the instance's host (`recv on fit03`), folded the axis (`recv on receiver`)
      `${indent}${job.id} on ${axisValue(instance, job.node) ?? job.node}${flagText([
        ...jobFlags(own),
        job.requires !== undefined && job.requires.length > 0 && `requires ${job.requires.join(', ')}`,
      ])}`,
      ...placeholders(commandLines(own.commands, `${indent}  `)),
    ];
  });

/** The lines of a matrix: its axes, filter and count of instances, then its jobs, once or per instance. @internal */
export const describeMatrix = (matrix: MatrixJobSpec, ctx: DescribeContext): string[] => {
  const names = Object.keys(matrix.matrix);
  const sources = Object.values(matrix.matrix).map((axis) =>
    typeof axis === 'string' ? axis : `[${axis.join(', ')}]`,
  );
  const filter = [
    matrix.where !== undefined &&
      ` where ${matrix.where.length > 200 ? `${matrix.where.slice(0, 200)}…` : matrix.where}`,
    matrix.exclude !== undefined &&
      matrix.exclude.length > 0 &&
      `, ${String(matrix.exclude.length)} excluded`,
  ]
    .filter((f) => typeof f === 'string')
    .join('');
  const instances = matrixInstances(matrix, ctx);
  const count = instances.length;
  const flags = flagText([
    matrix.maxFailures !== undefined && `maxFailures ${budget(matrix.maxFailures, count)}`,
    matrix.jobsWindow !== undefined && `jobsWindow ${String(matrix.jobsWindow)}`,
    matrix.label !== undefined && `label ${JSON.stringify(matrix.label)}`,
    matrix.critical !== undefined && (matrix.critical ? 'critical' : 'not critical'),
    matrix.timeout !== undefined && `timeout ${seconds(matrix.timeout)}`,
    matrix.runIf !== undefined && `runIf ${matrix.runIf}`,
    matrix.requires !== undefined && matrix.requires.length > 0 && `requires ${matrix.requires.join(', ')}`,
  ]);
  const head =
    `  ${matrix.id}: matrix ${names.join(' × ')} (${sources.join(' × ')}${filter}): ` +
    `${String(count)} instance${count === 1 ? '' : 's'}${flags}`;
  if (!ctx.unfold) return [head, ...instanceJobLines(matrix, undefined, ctx, '    ')];
  return [
    head,
    ...instances.flatMap((instance) => [
      `    ${matrix.id}[${instance.key}]`,
      ...instanceJobLines(matrix, instance, ctx, '      '),
    ]),
  ];
};

/** How many `SshJob`s a job entry makes: 1, a group's size, or instances × jobs of the block. @internal */
export const jobCount = (job: JobSpec | MatrixJobSpec, ctx: DescribeContext): string => {
  if ('matrix' in job) return `${String(matrixInstances(job, ctx).length)}×${String(job.jobs.length)}`;
  return String(groupOf(job.node, ctx)?.hosts.length ?? 1);
};
