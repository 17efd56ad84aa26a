/**
 * Building the jobs of a scenario that run on groups: a job on a group (one `SshJob` per member) and a matrix
 * (one nested scheduler of `SshJob`s per instance).
 * @module
 */
import type { Variables } from '../commands/variables.js';
import type { RunIf } from '../core/job/status.js';
import type { RetryOptions } from '../core/job/retry.js';
import { GroupJob } from '../fleet/group-job.js';
import type { MatrixInstance } from '../fleet/matrix.js';
import { MatrixJob } from '../fleet/matrix-job.js';
import { NodeGroup } from '../fleet/node-group.js';
import type { Flow } from '../nodes/flow.js';
import type { Node } from '../nodes/node.js';
import { SshJob } from '../ssh-job/ssh-job.js';
import { toCommand } from './build-commands.js';
import type { CaptureScopes } from './capture-scopes.js';
import type { InstanceJobSpec, JobSpec, MatrixJobSpec, RetriesSpec } from './codecs-jobs.js';
import { axisNamed } from './codecs-jobs.js';
import type { NodeGroupSpec, NodeSpec } from './codecs-nodes.js';
import type { VariableValues } from './codecs-values.js';
import { memberId, memberVariables, nodeVariables, perMember } from './node-variables.js';
import { defined, substituteJob } from './substitute.js';

/** Seconds (the file's unit) to milliseconds (the library's). @internal */
export const ms = (seconds: number | undefined): number | undefined =>
  seconds === undefined ? undefined : Math.round(seconds * 1000);

/** A group of the scenario: its entry and its member nodes, in the order of its hosts. @internal */
export interface BuiltGroup {
  readonly spec: NodeGroupSpec;
  readonly nodes: readonly Node[];
}

/** What the jobs of a scenario are built with. @internal */
export interface JobContext {
  readonly dir: string;
  readonly globals: VariableValues | undefined;
  /** The file's `scheduler.critical`: the default of its jobs. */
  readonly critical: boolean | undefined;
  readonly username: string | undefined;
  readonly flow: Flow | undefined;
  /** The run-time variables (captures): the global scope, each member's, each instance's. */
  readonly scopes: CaptureScopes;
  readonly nodes: ReadonlyMap<string, Node>;
  readonly nodeSpecs: ReadonlyMap<string, NodeSpec>;
  readonly groups: ReadonlyMap<string, BuiltGroup>;
}

/** A job of the file, built: what others require, and its `SshJob`s by key (`prepare@fit07`). @internal */
export interface BuiltEntry {
  readonly job: SshJob | GroupJob | MatrixJob;
  readonly members: readonly (readonly [string, SshJob])[];
}

const retriesOf = (retries: RetriesSpec | undefined): number | RetryOptions | undefined =>
  retries === undefined || typeof retries === 'number'
    ? retries
    : defined<RetryOptions>({
        count: retries.count,
        delay: ms(retries.delay),
        backoff: retries.backoff,
        maxDelay: ms(retries.maxDelay),
      });

type CommandsJob = JobSpec | InstanceJobSpec;

/** The options of an `SshJob` of the file that are not its texts. @internal */
export interface SshJobSettings {
  readonly critical: boolean;
  readonly timeout: number | undefined;
  readonly runIf: RunIf | undefined;
  readonly forever: boolean | undefined;
  readonly retries: RetriesSpec | undefined;
}

/** The settings of a job entry (or of a job of a matrix block) of its own. @internal */
export const settingsOf = (job: CommandsJob, critical: boolean): SshJobSettings => ({
  critical: job.critical ?? critical,
  timeout: ms(job.timeout),
  runIf: job.runIf,
  forever: job.forever,
  retries: job.retries,
});

/**
 * An `SshJob` of a job entry (or of an instance of one), its texts substituted with `values`, capturing into
 * `variables`. @internal
 */
export const sshJob = (
  job: CommandsJob,
  node: Node,
  values: Variables,
  label: (own: string | undefined) => string,
  settings: SshJobSettings,
  ctx: JobContext,
  variables: Variables,
): SshJob => {
  const own = substituteJob(job, values);
  return new SshJob(
    node,
    own.commands.map((c) => toCommand(c, ctx.dir)),
    {
      label: label(own.label),
      critical: settings.critical,
      forever: settings.forever,
      timeout: settings.timeout,
      runIf: settings.runIf,
      retries: retriesOf(settings.retries),
      variables,
      flow: ctx.flow,
    },
  );
};

/**
 * A job on a group: a `GroupJob` of one `SshJob` per member (`prepare@fit07`), each with its own variables
 * (build-time values, and the member's capture scope, shared by every job on that member).
 * A label with a member's own `{{hostname}}`, `{{node}}` or `{{index}}` is each member's (`prep fit07`), the
 * group job being then named by its id; any other label is the group job's, filled with the group's values.
 * @internal
 */
export const buildGroupJob = (job: JobSpec, group: BuiltGroup, ctx: JobContext): BuiltEntry => {
  const own = group.spec.hosts.map((_, i) =>
    substituteJob(job, memberVariables(ctx.globals, group.spec, i, ctx.username)),
  );
  const each = perMember(job.label);
  const name = job.label === undefined || each ? job.id : (own[0]?.label ?? job.id);
  const commands = own.map((member) => member.commands.map((c) => toCommand(c, ctx.dir)));
  const holder = new GroupJob(NodeGroup.of(group.nodes), (_, i) => commands[i] ?? [], {
    label: name,
    critical: job.critical ?? ctx.critical ?? false,
    timeout: ms(job.timeout),
    runIf: job.runIf,
    jobsWindow: job.jobsWindow,
    maxFailures: job.maxFailures,
    memberTimeout: ms(job.memberTimeout),
    retries: retriesOf(job.retries),
    ignoreUnreachable: job.ignoreUnreachable,
    skipFailedMembers: job.skipFailedMembers,
    variables: (_, i) => ctx.scopes.member(memberId(group.spec.id, group.spec.hosts[i] ?? '')),
    flow: ctx.flow,
  });
  const members = group.spec.hosts.map((host, i) => {
    const member = holder.member(host) as SshJob;
    const label = own[i]?.label;
    if (each && label !== undefined) member.label = label;
    return [`${job.id}@${host}`, member] as const;
  });
  return { job: holder, members };
};

/**
 * The node of a job of a matrix instance, the values of its `{{name}}`s, and its member's capture scope when
 * the node is a group's member (an axis over a group).
 */
const instanceNode = (
  job: InstanceJobSpec,
  matrix: MatrixJobSpec,
  instance: MatrixInstance,
  ctx: JobContext,
): { node: Node; variables: Variables; member?: Variables } | undefined => {
  const axis = axisNamed(matrix, job.node);
  if (typeof axis === 'string') {
    const group = ctx.groups.get(axis);
    const node = instance.node(job.node);
    const index = group?.nodes.indexOf(node) ?? -1;
    if (group === undefined || index < 0) return undefined;
    return {
      node,
      variables: memberVariables(ctx.globals, group.spec, index, ctx.username),
      member: ctx.scopes.member(memberId(group.spec.id, group.spec.hosts[index] ?? '')),
    };
  }
  const node = ctx.nodes.get(job.node);
  const spec = ctx.nodeSpecs.get(job.node);
  if (node === undefined || spec === undefined) return undefined;
  return { node, variables: nodeVariables(ctx.globals, spec, ctx.username) };
};

/**
 * A matrix: a `MatrixJob` of a nested scheduler per instance (`pairs[fit01,fit10]`) holding the jobs of the
 * block (`pairs[fit01,fit10].send`), with the axes and `{{instance}}` among their variables; the captures
 * of an instance's jobs are the instance's.
 * @internal
 */
export const buildMatrixJob = (matrix: MatrixJobSpec, ctx: JobContext): BuiltEntry => {
  const members: (readonly [string, SshJob])[] = [];
  const axes = Object.fromEntries(
    Object.entries(matrix.matrix).map(([name, axis]) => [
      name,
      typeof axis === 'string' ? NodeGroup.of(ctx.groups.get(axis)?.nodes ?? []) : axis,
    ]),
  );
  const make = (instance: MatrixInstance): SshJob[] => {
    const local = new Map<string, SshJob>();
    const store = ctx.scopes.instance();
    for (const job of matrix.jobs) {
      const at = instanceNode(job, matrix, instance, ctx);
      if (at === undefined) continue; // checked when loaded
      for (const [k, v] of Object.entries(instance.vars)) at.variables.set(k, v);
      // a job of an instance is critical in it unless it says: a failed job is a failed instance
      const runtime = ctx.scopes.instanceJob(store, at.member);
      const built = sshJob(
        job,
        at.node,
        at.variables,
        (own) => own ?? job.id,
        settingsOf(job, true),
        ctx,
        runtime,
      );
      local.set(job.id, built);
      members.push([`${matrix.id}[${instance.key}].${job.id}`, built]);
    }
    for (const job of matrix.jobs)
      for (const r of job.requires ?? []) {
        const required = local.get(r);
        if (required !== undefined) local.get(job.id)?.requires(required);
      }
    return [...local.values()];
  };
  const holder = new MatrixJob(axes, make, {
    label: matrix.label ?? matrix.id,
    where: matrix.where,
    exclude: matrix.exclude,
    critical: matrix.critical ?? ctx.critical ?? false,
    timeout: ms(matrix.timeout),
    runIf: matrix.runIf,
    jobsWindow: matrix.jobsWindow,
    maxFailures: matrix.maxFailures,
  });
  return { job: holder, members };
};
