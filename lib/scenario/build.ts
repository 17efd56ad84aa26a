/**
 * Building a loaded scenario: its nodes, its jobs and their scheduler, ready to run.
 * @module
 */
import path from 'node:path';

import type { Variables } from '../commands/variables.js';
import { ConfigError } from '../errors/config-error.js';
import { Scheduler } from '../scheduler.js';
import type { SchedulerOptions } from '../core/scheduler.js';
import type { Flow } from '../nodes/flow.js';
import type { LocalNodeOptions } from '../nodes/local/local-node-options.js';
import { LocalNode } from '../nodes/local/local-node.js';
import type { Node } from '../nodes/node.js';
import type { SshNodeOptions } from '../nodes/ssh/ssh-node.js';
import { SshNode } from '../nodes/ssh/ssh-node.js';
import { SshJob } from '../ssh-job/ssh-job.js';
import type { GroupJob } from '../fleet/group-job.js';
import type { MatrixJob } from '../fleet/matrix-job.js';
import type { BuiltEntry, BuiltGroup, JobContext } from './build-groups.js';
import { buildGroupJob, buildMatrixJob, ms, settingsOf, sshJob } from './build-groups.js';
import { CaptureScopes } from './capture-scopes.js';
import { isMatrixJobSpec } from './codecs-jobs.js';
import type { NodeSpec, SshNodeSpec } from './codecs-nodes.js';
import { isLocalNodeSpec, isNodeGroupSpec } from './codecs-nodes.js';
import type { LoadedScenario } from './load.js';
import { memberId, nodeVariables } from './node-variables.js';
import { localPath } from './paths.js';
import { defined } from './substitute.js';

/** Defaults of the SSH nodes' options (durations in milliseconds); what a node says in the file wins. @category models */
export type SshNodeDefaults = Omit<SshNodeOptions, 'hostname' | 'gateway' | 'label'>;

/** Options of {@link buildScenario} and {@link describeScenario}. @category models */
export interface BuildScenarioOptions {
  /**
   * Defaults for every SSH node (from the command line, say: `username`, `keys`, `hostKeyPolicy`,
   * `connectTimeout` in ms, ...). The `username` default also gives `{{username}}`.
   */
  readonly ssh?: SshNodeDefaults | undefined;
  /** Options of every local node (`scriptDir`, `shell`, `killGrace`); a node's own `shell` wins. */
  readonly local?: Omit<LocalNodeOptions, 'label'> | undefined;
  /** Back-pressure for the output of every job's commands (see `Flow`, and `SshJobOptions.flow`). */
  readonly flow?: Flow | undefined;
  /**
   * Called each time a command's `capture` stores a value (in whatever scope: global, a member's, an
   * instance's), as it stores it (just before that command's exit event): what a run record keeps of the
   * captures.
   */
  readonly onCapture?: ((name: string, value: string) => void) | undefined;
}

/** A scenario, built: run it with `scheduler.orchestrate()` or `scheduler.run()`. @category models */
export interface BuiltScenario {
  /** Holds every job; its options are the file's `scheduler`, its label defaults to the file's name. */
  readonly scheduler: Scheduler;
  /**
   * The nodes by id, in file order: `SshNode`s and `LocalNode`s; a group's members by member id
   * (`fits[fit07]`), in the order of its hosts. Groups sharing a host (same user, port and gateway) share its
   * node: one connection.
   */
  readonly nodes: ReadonlyMap<string, Node>;
  /**
   * The `SshJob`s by id, in file order: a job on one node under its id, the members of a job on a group
   * under `prepare@fit07`, the jobs of a matrix's instances under `pairs[fit01,fit10].send`.
   */
  readonly jobs: ReadonlyMap<string, SshJob>;
  /**
   * The jobs on groups (`GroupJob`s) and the matrices (`MatrixJob`s), by id: each a nested scheduler holding
   * its members (or instances), the job that `requires` on its id waits for.
   */
  readonly groups: ReadonlyMap<string, GroupJob | MatrixJob>;
  /**
   * The global variables: where the `capture`s of jobs on one node store their outputs, read by every job's
   * `{{name}}` at run time. A capture of a job on a group is its member's, one of a matrix instance's job is
   * the instance's: each in its own scope over this one (the job's `variables`), read first by the jobs of
   * that member or instance.
   */
  readonly variables: Variables;
}

const sshOptions = (
  spec: SshNodeSpec,
  dir: string,
  gateway: SshNode | undefined,
  defaults: SshNodeDefaults,
) => {
  const file = (p: string | undefined) => (p === undefined ? undefined : localPath(dir, p));
  const own = defined<Partial<SshNodeOptions>>({
    username: spec.username,
    port: spec.port,
    keys: spec.keys?.map((k) => localPath(dir, k)),
    agent: spec.agent,
    knownHosts: file(spec.knownHosts),
    hostKeyPolicy: spec.hostKeyPolicy,
    connectTimeout: ms(spec.connectTimeout),
    connectAttempts: spec.connectAttempts,
    keepalive: ms(spec.keepalive),
    maxSessions: spec.maxSessions,
    sshConfig: spec.sshConfig === false ? false : file(spec.sshConfig),
  });
  return { ...defaults, ...own, hostname: spec.hostname, gateway, label: spec.label ?? spec.id };
};

/**
 * The nodes by id, each gateway built before the nodes behind it, and the groups; members are built once per
 * user, host, port and gateway.
 */
const buildNodes = (
  loaded: LoadedScenario,
  options: BuildScenarioOptions,
): { nodes: Map<string, Node>; groups: Map<string, BuiltGroup> } => {
  const specs = new Map(loaded.spec.nodes.map((n) => [n.id, n]));
  const built = new Map<string, Node>();
  const groups = new Map<string, BuiltGroup>();
  const pool = new Map<string, SshNode>();
  const building = new Set<string>();
  const member = (spec: SshNodeSpec, host: string, gateway: SshNode | undefined): SshNode => {
    const own = sshOptions({ ...spec, hostname: host, label: host }, loaded.dir, gateway, options.ssh ?? {});
    const via = spec.gateway ?? '';
    const key = JSON.stringify([own.username ?? '', host, own.port ?? 22, via]);
    const known = pool.get(key);
    if (known !== undefined) return known;
    const node = new SshNode(own);
    pool.set(key, node);
    return node;
  };
  const build = (id: string, from: string): Node | undefined => {
    if (groups.has(id)) return undefined;
    const done = built.get(id);
    if (done !== undefined) return done;
    const spec = specs.get(id);
    if (spec === undefined || building.has(id))
      throw new ConfigError(
        `node "${from}"`,
        'gateway',
        `"${id}" is ${spec === undefined ? 'unknown' : 'on a cycle'}`,
      );
    building.add(id);
    if (isLocalNodeSpec(spec)) {
      const node = new LocalNode({
        ...options.local,
        ...defined<LocalNodeOptions>({ shell: spec.shell }),
        label: spec.label ?? spec.id,
      });
      built.set(id, node);
      return node;
    }
    const via = spec.gateway === undefined ? undefined : build(spec.gateway, id);
    const gateway = via instanceof SshNode ? via : undefined;
    if (spec.gateway !== undefined && gateway === undefined)
      throw new ConfigError(`node "${id}"`, 'gateway', `"${spec.gateway}" is not one SSH node`);
    if (isNodeGroupSpec(spec)) {
      groups.set(id, { spec, nodes: spec.hosts.map((host) => member(spec, host, gateway)) });
      return undefined;
    }
    const node = new SshNode(sshOptions(spec, loaded.dir, gateway, options.ssh ?? {}));
    built.set(id, node);
    return node;
  };
  for (const spec of loaded.spec.nodes) build(spec.id, spec.id);
  // file order in the map, whatever order the gateways were built in
  const nodes = new Map<string, Node>();
  for (const spec of loaded.spec.nodes) {
    const group = groups.get(spec.id);
    if (group === undefined) nodes.set(spec.id, built.get(spec.id) as Node);
    else group.spec.hosts.forEach((host, i) => nodes.set(memberId(spec.id, host), group.nodes[i] as Node));
  }
  return { nodes, groups };
};

/**
 * Builds a loaded scenario: an `SshNode` or a `LocalNode` per node (gateways as `gateway` options), an
 * `SshJob` per job with its commands substituted for its node (see `ScenarioSpec`) and its requirements,
 * their captures in scopes (global, a group member's, a matrix instance's: see `BuiltScenario.variables`),
 * and a `Scheduler` holding them. Durations become milliseconds. Nothing connects
 * or runs until the scheduler runs.
 * @throws {ConfigError} only for a `LoadedScenario` made by hand with dangling references: `loadScenario`
 * reports those as problems.
 * @example
 * const { scheduler } = buildScenario(loaded, { ssh: { username: 'root' } });
 * const ok = await scheduler.orchestrate();
 * @category constructors
 */
export function buildScenario(loaded: LoadedScenario, options: BuildScenarioOptions = {}): BuiltScenario {
  const { spec } = loaded;
  const { nodes, groups } = buildNodes(loaded, options);
  const nodeSpecs = new Map<string, NodeSpec>(spec.nodes.map((n) => [n.id, n]));
  const scopes = new CaptureScopes(options.onCapture);
  const ctx: JobContext = {
    dir: loaded.dir,
    globals: spec.variables,
    critical: spec.scheduler?.critical,
    username: options.ssh?.username,
    flow: options.flow,
    scopes,
    nodes,
    nodeSpecs,
    groups,
  };
  const entries = new Map<string, BuiltEntry>();
  const byNode = new Map<string, Variables>(); // the build-time values of a node's jobs: once per node
  for (const job of spec.jobs) {
    if (isMatrixJobSpec(job)) {
      entries.set(job.id, buildMatrixJob(job, ctx));
      continue;
    }
    const group = groups.get(job.node);
    if (group !== undefined) {
      entries.set(job.id, buildGroupJob(job, group, ctx));
      continue;
    }
    const node = nodes.get(job.node);
    const nodeSpec = nodeSpecs.get(job.node);
    if (node === undefined || nodeSpec === undefined)
      throw new ConfigError(`job "${job.id}"`, 'node', `"${job.node}" is unknown`);
    let values = byNode.get(job.node);
    if (values === undefined)
      byNode.set(job.node, (values = nodeVariables(spec.variables, nodeSpec, options.ssh?.username)));
    // not critical unless the file says so (its documented default), although an SshJob alone would be
    const one = sshJob(
      job,
      node,
      values,
      (own) => own ?? job.id,
      settingsOf(job, ctx.critical ?? false),
      ctx,
      scopes.global,
    );
    entries.set(job.id, { job: one, members: [[job.id, one]] });
  }
  for (const job of spec.jobs)
    for (const id of job.requires ?? []) {
      const required = entries.get(id)?.job;
      if (required === undefined) throw new ConfigError(`job "${job.id}"`, 'requires', `"${id}" is unknown`);
      entries.get(job.id)?.job.requires(required);
    }
  const jobs = new Map([...entries.values()].flatMap((e) => e.members));
  const groupJobs = new Map(
    [...entries].flatMap(([id, e]) => (e.job instanceof SshJob ? [] : [[id, e.job] as const])),
  );
  const s = spec.scheduler ?? {};
  const schedulerOptions: SchedulerOptions = {
    label: s.label ?? path.basename(loaded.file),
    timeout: ms(s.timeout),
    jobsWindow: s.jobsWindow,
    // unset when the file does not say: then, nested in a scheduler of the user's, it inherits that one's
    critical: s.critical,
    // absent, not undefined: an undefined shutdownTimeout means no bound
    ...(s.shutdownTimeout === undefined ? {} : { shutdownTimeout: ms(s.shutdownTimeout) }),
    ...(s.cleanupTimeout === undefined ? {} : { cleanupTimeout: ms(s.cleanupTimeout) }),
  };
  const scheduler = new Scheduler(
    [...entries.values()].map((e) => e.job),
    schedulerOptions,
  );
  return { scheduler, nodes, jobs, groups: groupJobs, variables: scopes.global };
}
