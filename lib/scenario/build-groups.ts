/**
 * Building the jobs of a scenario that run on groups: a job on a group (one `SshJob` per member) and a matrix
 * (one nested scheduler of `SshJob`s per instance).
 * @module
 */
import { Variables } from '../commands/variables.js';
import type { RunIf } from '../core/job/status.js';
import type { RetryOptions } from '../core/job/retry.js';
import { parseWhere } from '../fleet/where.js';
import type { Flow } from '../nodes/flow.js';
import type { Node } from '../nodes/node.js';
import { foldHosts } from '../hosts/host-ranges.js';
import { Scheduler } from '../scheduler.js';
import { SshJob } from '../ssh-job/ssh-job.js';
import { toCommand } from './build-commands.js';
import type { InstanceJobSpec, JobSpec, MatrixJobSpec, RetriesSpec } from './codecs-jobs.js';
import type { NodeGroupSpec, NodeSpec } from './codecs-nodes.js';
import type { MaxFailures, VariableValues } from './codecs-values.js';
import { axesOf, instancesOf } from './matrix-instances.js';
import { memberVariables, nodeVariables } from './node-variables.js';
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
  /** Shared by every job: the run-time variables (captures). */
  readonly variables: Variables;
  readonly nodes: ReadonlyMap<string, Node>;
  readonly nodeSpecs: ReadonlyMap<string, NodeSpec>;
  readonly groups: ReadonlyMap<string, BuiltGroup>;
}

/** A job of the file, built: what others require, and its `SshJob`s by key (`prepare@fit07`). @internal */
export interface BuiltEntry {
  readonly job: SshJob | Scheduler;
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
  // runIf always and one-failed are checked by the core
  runIf: job.runIf as RunIf | undefined,
  forever: job.forever,
  retries: job.retries,
});

/** An `SshJob` of a job entry (or of a member or instance of one), its texts substituted with `values`. @internal */
export const sshJob = (
  job: CommandsJob,
  node: Node,
  values: Variables,
  label: (own: string | undefined) => string,
  settings: SshJobSettings,
  ctx: JobContext,
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
      variables: ctx.variables,
      flow: ctx.flow,
    },
  );
};

/** The options a group job and a matrix job share, for the container that holds their members. */
interface ContainerOptions {
  readonly label: string;
  readonly critical: boolean;
  readonly timeout: number | undefined;
  readonly runIf: RunIf | undefined;
  readonly jobsWindow: number | undefined;
  readonly maxFailures: MaxFailures | undefined;
}

/**
 * The job that holds the members of a group or the instances of a matrix: a nested scheduler, as one
 * job to those that require it. The failure budget (`maxFailures`) is lib/fleet's (GroupJob, MatrixJob):
 * until then, the first member that fails fails the whole (`maxFailures: 0`).
 */
const container = (members: readonly (SshJob | Scheduler)[], o: ContainerOptions): Scheduler =>
  new Scheduler([...members], {
    label: o.label,
    critical: o.critical,
    timeout: o.timeout,
    runIf: o.runIf,
    jobsWindow: o.jobsWindow,
  });

/** A job on a group: one `SshJob` per member (`prepare@fit07`), each with its own variables. @internal */
export const buildGroupJob = (job: JobSpec, group: BuiltGroup, ctx: JobContext): BuiltEntry => {
  const name =
    job.label === undefined ? job.id : new Variables(Object.entries(ctx.globals ?? {})).expand(job.label);
  const memberSettings: SshJobSettings = {
    critical: true,
    timeout: ms(job.memberTimeout),
    runIf: undefined,
    forever: job.forever,
    retries: job.retries,
  };
  const members = group.nodes.map((node, i) => {
    const host = group.spec.hosts[i] ?? '';
    const values = memberVariables(ctx.globals, group.spec, i, ctx.username);
    // each member is critical in its group: the group's maxFailures decides what a failure does
    const member = sshJob(job, node, values, (own) => `${own ?? job.id}@${host}`, memberSettings, ctx);
    return [`${job.id}@${host}`, member] as const;
  });
  const holder = container(
    members.map(([, m]) => m),
    {
      label: `${name} ${foldHosts(group.spec.hosts)}`,
      critical: job.critical ?? ctx.critical ?? false,
      timeout: ms(job.timeout),
      runIf: job.runIf as RunIf | undefined,
      jobsWindow: job.jobsWindow,
      maxFailures: job.maxFailures,
    },
  );
  return { job: holder, members };
};

/** The node of a job of a matrix instance, and the values of its `{{name}}`s. */
const instanceNode = (
  job: InstanceJobSpec,
  matrix: MatrixJobSpec,
  values: Readonly<Record<string, string>>,
  ctx: JobContext,
): { node: Node; variables: Variables } | undefined => {
  const axis = matrix.matrix[job.node];
  if (typeof axis === 'string') {
    const group = ctx.groups.get(axis);
    const index = group?.spec.hosts.indexOf(values[job.node] ?? '') ?? -1;
    const node = group?.nodes[index];
    if (group === undefined || node === undefined) return undefined;
    return { node, variables: memberVariables(ctx.globals, group.spec, index, ctx.username) };
  }
  const node = ctx.nodes.get(job.node);
  const spec = ctx.nodeSpecs.get(job.node);
  if (node === undefined || spec === undefined) return undefined;
  return { node, variables: nodeVariables(ctx.globals, spec, ctx.username) };
};

/**
 * A matrix: a nested scheduler per instance (`pairs[fit01,fit10]`) holding the jobs of the block
 * (`pairs[fit01,fit10].send`), with the axes and `{{instance}}` among their variables.
 * @internal
 */
export const buildMatrixJob = (matrix: MatrixJobSpec, ctx: JobContext): BuiltEntry => {
  const axes = axesOf(matrix.matrix, (id) => ctx.groups.get(id)?.spec.hosts);
  const where = matrix.where === undefined ? undefined : parseWhere(matrix.where);
  const members: (readonly [string, SshJob])[] = [];
  const name = matrix.label ?? matrix.id;
  const instances = (instancesOf(axes, where, matrix.exclude) ?? []).map((instance) => {
    const prefix = `${matrix.id}[${instance.key}]`;
    const local = new Map<string, SshJob>();
    for (const job of matrix.jobs) {
      const at = instanceNode(job, matrix, instance.values, ctx);
      if (at === undefined) continue; // checked when loaded
      for (const [k, v] of Object.entries(instance.values)) at.variables.set(k, v);
      at.variables.set('instance', instance.name);
      const label = (own: string | undefined) => `${name}[${instance.key}].${own ?? job.id}`;
      // a job of an instance is critical in it unless it says: a failed job is a failed instance
      const built = sshJob(job, at.node, at.variables, label, settingsOf(job, true), ctx);
      local.set(job.id, built);
      members.push([`${prefix}.${job.id}`, built]);
    }
    for (const job of matrix.jobs)
      for (const r of job.requires ?? []) {
        const required = local.get(r);
        if (required !== undefined) local.get(job.id)?.requires(required);
      }
    return new Scheduler([...local.values()], { label: `${name}[${instance.key}]`, critical: true });
  });
  const holder = container(instances, {
    label: name,
    critical: matrix.critical ?? ctx.critical ?? false,
    timeout: ms(matrix.timeout),
    runIf: matrix.runIf as RunIf | undefined,
    jobsWindow: matrix.jobsWindow,
    maxFailures: matrix.maxFailures,
  });
  return { job: holder, members };
};
