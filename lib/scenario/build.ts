/**
 * Building a loaded scenario: its nodes, its jobs and their scheduler, ready to run.
 * @module
 */
import path from 'node:path';

import { Variables } from '../commands/variables.js';
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
import { toCommand } from './build-commands.js';
import type { NodeSpec, SshNodeSpec } from './codecs-nodes.js';
import { isLocalNodeSpec } from './codecs-nodes.js';
import type { LoadedScenario } from './load.js';
import { nodeVariables } from './node-variables.js';
import { localPath } from './paths.js';
import { defined, substituteJob } from './substitute.js';

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
}

/** A scenario, built: run it with `scheduler.orchestrate()` or `scheduler.run()`. @category models */
export interface BuiltScenario {
  /** Holds every job; its options are the file's `scheduler`, its label defaults to the file's name. */
  readonly scheduler: Scheduler;
  /** The nodes by id, in file order: `SshNode`s and `LocalNode`s. */
  readonly nodes: ReadonlyMap<string, Node>;
  /** The jobs by id, in file order. */
  readonly jobs: ReadonlyMap<string, SshJob>;
  /** Shared by every job: where `capture`s store their outputs, read by `{{name}}` at run time. */
  readonly variables: Variables;
}

/** Seconds (the file's unit) to milliseconds (the library's). */
const ms = (seconds: number | undefined): number | undefined =>
  seconds === undefined ? undefined : Math.round(seconds * 1000);

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

/** The nodes by id, each gateway built before the nodes behind it. */
const buildNodes = (loaded: LoadedScenario, options: BuildScenarioOptions): Map<string, Node> => {
  const specs = new Map(loaded.spec.nodes.map((n) => [n.id, n]));
  const built = new Map<string, Node>();
  const building = new Set<string>();
  const build = (id: string, from: string): Node => {
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
    let node: Node;
    if (isLocalNodeSpec(spec)) {
      node = new LocalNode({
        ...options.local,
        ...defined<LocalNodeOptions>({ shell: spec.shell }),
        label: spec.label ?? spec.id,
      });
    } else {
      const gateway = spec.gateway === undefined ? undefined : build(spec.gateway, id);
      if (gateway !== undefined && !(gateway instanceof SshNode))
        throw new ConfigError(`node "${id}"`, 'gateway', `"${spec.gateway ?? ''}" is not an SSH node`);
      node = new SshNode(sshOptions(spec, loaded.dir, gateway, options.ssh ?? {}));
    }
    built.set(id, node);
    return node;
  };
  // file order in the map, whatever order the gateways were built in
  for (const spec of loaded.spec.nodes) build(spec.id, spec.id);
  return new Map(loaded.spec.nodes.map((n) => [n.id, built.get(n.id) as Node]));
};

/**
 * Builds a loaded scenario: an `SshNode` or a `LocalNode` per node (gateways as `gateway` options), an
 * `SshJob` per job with its commands substituted for its node (see `ScenarioSpec`) and its requirements, all
 * sharing one `Variables`, and a `Scheduler` holding them. Durations become milliseconds. Nothing connects
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
  const nodes = buildNodes(loaded, options);
  const nodeSpecs = new Map<string, NodeSpec>(spec.nodes.map((n) => [n.id, n]));
  const variables = new Variables();
  const jobs = new Map<string, SshJob>();
  const byNode = new Map<string, Variables>(); // the build-time values of a node's jobs: once per node
  for (const job of spec.jobs) {
    const node = nodes.get(job.node);
    const nodeSpec = nodeSpecs.get(job.node);
    if (node === undefined || nodeSpec === undefined)
      throw new ConfigError(`job "${job.id}"`, 'node', `"${job.node}" is unknown`);
    let values = byNode.get(job.node);
    if (values === undefined)
      byNode.set(job.node, (values = nodeVariables(spec.variables, nodeSpec, options.ssh?.username)));
    const own = substituteJob(job, values);
    const commands = own.commands.map((c) => toCommand(c, loaded.dir));
    jobs.set(
      job.id,
      new SshJob(node, commands, {
        label: own.label ?? job.id,
        // not critical unless the file says so (its documented default), although an SshJob alone would be
        critical: job.critical ?? spec.scheduler?.critical ?? false,
        forever: job.forever,
        timeout: ms(job.timeout),
        runIf: job.runIf,
        variables,
        flow: options.flow,
      }),
    );
  }
  for (const job of spec.jobs)
    for (const id of job.requires ?? []) {
      const required = jobs.get(id);
      if (required === undefined) throw new ConfigError(`job "${job.id}"`, 'requires', `"${id}" is unknown`);
      jobs.get(job.id)?.requires(required);
    }
  const s = spec.scheduler ?? {};
  const schedulerOptions: SchedulerOptions = {
    label: s.label ?? path.basename(loaded.file),
    timeout: ms(s.timeout),
    jobsWindow: s.jobsWindow,
    // unset when the file does not say: then, nested in a scheduler of the user's, it inherits that one's
    critical: s.critical,
    // absent, not undefined: an undefined shutdownTimeout means no bound
    ...(s.shutdownTimeout === undefined ? {} : { shutdownTimeout: ms(s.shutdownTimeout) }),
  };
  return { scheduler: new Scheduler([...jobs.values()], schedulerOptions), nodes, jobs, variables };
}
