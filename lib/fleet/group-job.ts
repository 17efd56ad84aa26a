/**
 * GroupJob: one job per node of a group, as a nested scheduler with a failure budget.
 * @module
 */
import type { JobContext } from '../core/job.js';
import { Job } from '../core/job.js';
import { ConfigError } from '../errors/config-error.js';
import type { JobsError } from '../errors/jobs-error.js';
import { describeValue } from '../errors/option-keys.js';
import type { Node } from '../nodes/node.js';
import { Scheduler } from '../scheduler.js';
import { SshJob } from '../ssh-job/ssh-job.js';
import type { Commands, SshJobOptions } from '../ssh-job/ssh-job-options.js';
import { isCommand, isNode } from '../ssh-job/ssh-job-options.js';
import { called, checkFleetOptions, FLEET_KEYS, MEMBER_SSH_KEYS, without } from './group-options.js';
import type { GroupJobOptions, MemberPolicy } from './group-options.js';
import { summaryOf } from './group-summary.js';
import type { GroupSummary } from './group-summary.js';
import { NodeGroup } from './node-group.js';
import { isUnreachable } from './unreachable.js';

/** What a GroupJob runs on each node: commands, or a function making the member's commands or job. */
export type GroupWork = Commands | ((node: Node, index: number) => Commands | Job);

/** Whether a member's latest run left its host out: failed, cancelled or skipped. */
const droppedHost = (job: Job): boolean =>
  job.status === 'failed' || job.status === 'cancelled' || job.status === 'skipped';

/**
 * The SshJob of a member: critical within itself (it stops at its first failing command, as the host is
 * then dropped), whatever its group decides about the failure; skipped when its host failed upstream.
 */
class MemberJob extends SshJob {
  readonly #skip: () => readonly Job[] | undefined;

  constructor(
    node: Node,
    commands: Commands,
    options: SshJobOptions,
    skip: () => readonly Job[] | undefined,
  ) {
    super(node, commands, options);
    this.#skip = skip;
  }

  protected override work(context: JobContext): ReturnType<SshJob['work']> {
    return super.work({ ...context, critical: true });
  }

  /** @internal see `Job._skipIf`. */
  override _skipIf(): readonly Job[] | undefined {
    return this.#skip();
  }
}

// listings, graphs and errors name a member's class: it is an SshJob to its users
Object.defineProperty(MemberJob, 'name', { value: 'SshJob' });

/**
 * A job on every node of a {@link NodeGroup}: a nested scheduler of one member job per node, labelled
 * `prepare@fit07`, each with its own status, events, output, `memberTimeout` and `retries`. Other jobs
 * `requires` the group (all its members); listings show it folded, one line with its counts. Its failure
 * budget, `maxFailures` (default 0: the first failure fails the group), tolerates that many failed members;
 * one more stops the group, cancelling the members still running, and the group fails in its parent as any
 * nested scheduler does. Like an SshJob, a group is critical (its failure aborts its parent) unless it, or an
 * enclosing scheduler, sets `critical: false`. A tolerated failure is reported
 * (`tolerated: true` on its event, `isTolerated()`, {@link GroupJob.summary}) but fails neither the group nor
 * the run. A member made from commands stops at its first failing command (its host is then dropped); a job
 * that the function returns runs as its own class says (an SshJob in a group runs all its commands, then
 * fails with the last failure, as a non-critical SshJob does).
 * @example
 * const fits = NodeGroup.fromHosts('fit[01-37]', { username: 'root' });
 * const prepare = new GroupJob(fits, 'apt-get update', { label: 'prepare', maxFailures: '10%', memberTimeout: 60_000 });
 * const measure = new GroupJob(fits, (node) => new Run('measure.sh', node.label), { label: 'measure', requires: prepare });
 * await new Scheduler([prepare, measure]).orchestrate();
 * console.log(prepare.summary().text); // prepare fit[01-37]: 35 done, 2 failed (fit[07,21], tolerated)
 * @category constructors
 */
export class GroupJob extends Scheduler {
  /** The nodes, one member each. */
  readonly group: NodeGroup;
  /** What member labels start with: `prepare` of `prepare@fit07` (the `label` option, default `group`). */
  readonly memberPrefix: string;
  /** See {@link FleetJobOptions.ignoreUnreachable}. */
  ignoreUnreachable: boolean;
  /** See {@link GroupJobOptions.skipFailedMembers}. */
  skipFailedMembers: boolean;
  readonly #byName = new Map<string, Job>();
  readonly #nameOf = new Map<Job, string>();

  /** The keys of {@link GroupJobOptions} beyond those of a scheduler. */
  protected static override readonly extraOptions: readonly string[] = [
    ...FLEET_KEYS,
    ...MEMBER_SSH_KEYS,
    'skipFailedMembers',
  ];

  /**
   * @param group the nodes (a {@link NodeGroup})
   * @param what the commands each member runs (a command line, a command, a list), or a function of each node
   * (and its index) returning its commands or its own job (an SshJob, any Job, a Scheduler),
   * which is then relabelled `prepare@fit07` and given `memberTimeout` and `retries` when they are set. A
   * job with a node (an SshJob) runs on the node it was given, or on one of the same label (the same host).
   * @throws {ConfigError} for a group that is not a NodeGroup, bad commands, a function returning something
   * else (or a job on another node), a function that throws (`what(fit07) threw: ...`), or a bad option.
   */
  constructor(group: NodeGroup, what: GroupWork, options: GroupJobOptions = {}) {
    const label: unknown = (options as { label?: unknown } | null)?.label;
    const subject = `group job "${typeof label === 'string' ? label : 'group'}"`;
    if (typeof options !== 'object' || (options as unknown) === null || Array.isArray(options))
      throw new ConfigError(subject, 'options', `must be an object, got ${describeValue(options)}`);
    if (!(group instanceof NodeGroup))
      throw new ConfigError(
        subject,
        'group',
        `must be a NodeGroup (NodeGroup.fromHosts('fit[01-37]'), NodeGroup.of(nodes)), got ${describeValue(group)}`,
      );
    if (label !== undefined && (typeof label !== 'string' || label === ''))
      throw new ConfigError(subject, 'label', `must be a non-empty string, got ${describeValue(label)}`);
    checkFleetOptions(subject, options);
    const own = [...FLEET_KEYS, ...MEMBER_SSH_KEYS, 'skipFailedMembers', 'label'];
    const prefix = typeof label === 'string' ? label : 'group';
    super({
      ...without(options, own),
      label: `${prefix} ${group.label}`,
      maxFailures: options.maxFailures ?? 0,
      fold: options.fold ?? true,
    });
    this.group = group;
    this.memberPrefix = prefix;
    this.ignoreUnreachable = options.ignoreUnreachable ?? false;
    this.skipFailedMembers = options.skipFailedMembers ?? true;
    const policy: MemberPolicy = { timeout: options.memberTimeout, retries: options.retries };
    const ssh: SshJobOptions = Object.fromEntries(
      MEMBER_SSH_KEYS.filter((k) => k !== 'variables' && options[k] !== undefined).map((k) => [
        k,
        options[k],
      ]),
    );
    const { variables } = options;
    const names = group.hostnames();
    group.nodes.forEach((node, index) => {
      const name = names[index] ?? node.label;
      const own =
        typeof variables === 'function'
          ? called(subject, `variables(${name})`, () => variables(node, index))
          : variables;
      const member = this.#memberOf(subject, what, node, index, name, policy, { ...ssh, variables: own });
      this.#byName.set(name, member);
      this.#nameOf.set(member, name);
      this.add(member);
    });
  }

  #memberOf(
    subject: string,
    what: GroupWork,
    node: Node,
    index: number,
    name: string,
    policy: MemberPolicy,
    ssh: SshJobOptions,
  ): Job {
    const label = `${this.memberPrefix}@${name}`;
    const made: unknown =
      typeof what === 'function' ? called(subject, `what(${name})`, () => what(node, index)) : what;
    if (made instanceof Job) {
      const on: unknown = (made as { node?: unknown }).node;
      if (isNode(on) && on !== node && on.label !== name)
        throw new ConfigError(
          subject,
          `what(${name})`,
          `returned job "${made.label}" on node "${on.label}": a member runs on its own node, ` +
            'the one passed to what',
        );
      if (this.#nameOf.has(made))
        throw new ConfigError(
          subject,
          'what',
          `returned job "${made.label}" again for ${name}: make one job per node`,
        );
      if (made.requirements.size !== 0)
        throw new ConfigError(
          subject,
          'what',
          `returned job "${made.label}" for ${name} with requirements: a member requires nothing; ` +
            'make the whole group require what it needs (option requires)',
        );
      made.label = label;
      // the hook of a member made here (see MemberJob), given to the job made by the caller's function
      made._skipIf = () => this.#skipOf(name);
      if (policy.timeout !== undefined) made.timeout = policy.timeout;
      if (policy.retries !== undefined && !made._isScheduler) made.retries = policy.retries;
      return made;
    }
    if (typeof made !== 'string' && !isCommand(made) && !Array.isArray(made))
      throw new ConfigError(
        subject,
        typeof what === 'function' ? `what(${name})` : 'what',
        `must be commands (a command line, a command object, a list of them)${typeof what === 'function' ? ' or a job' : ', or a function of each node returning them'}, got ${describeValue(made)}`,
      );
    return new MemberJob(
      node,
      made as Commands,
      { ...ssh, label, timeout: policy.timeout, retries: policy.retries },
      () => this.#skipOf(name),
    );
  }

  /** The upstream members that drop host `name` here: those of required GroupJobs that did not succeed. */
  #skipOf(name: string): readonly Job[] | undefined {
    if (!this.skipFailedMembers) return undefined;
    let because: Job[] | undefined;
    for (const required of this.requirements)
      if (required instanceof GroupJob) {
        const upstream = required.member(name);
        if (upstream !== undefined && droppedHost(upstream)) (because ??= []).push(upstream);
      }
    return because;
  }

  /**
   * The member job of a node (or of a host name), or undefined when the group has none.
   * @category running
   */
  member(nodeOrHost: Node | string): Job | undefined {
    if (typeof nodeOrHost === 'string') return this.#byName.get(nodeOrHost);
    if (typeof nodeOrHost !== 'object' || (nodeOrHost as unknown) === null) return undefined;
    const name = this.group.nameOf(nodeOrHost);
    return name === undefined ? undefined : this.#byName.get(name);
  }

  /**
   * The members' outcomes in the latest run: counts by status, the hosts that failed, were unreachable,
   * tolerated, and a line of text (`prepare fit[01-37]: 35 done, 2 failed (fit[07,21], tolerated)`).
   * @category running
   */
  summary(): GroupSummary {
    return summaryOf(this, this.#nameOf);
  }

  /**
   * @internal a group is critical unless it, or an enclosing scheduler, says otherwise, as an SshJob is (and
   * as Ansible ends the play when a play's hosts fail beyond `max_fail_percentage`).
   */
  override get _criticalByDefault(): boolean {
    return true;
  }

  /** @internal an unreachable host does not count against `maxFailures` with `ignoreUnreachable`. */
  override _uncounted(error: JobsError): boolean {
    return this.ignoreUnreachable && isUnreachable(error);
  }

  /** @internal a folded listing groups members by host. */
  override _foldKey(member: Job): string {
    return this.#nameOf.get(member) ?? super._foldKey(member);
  }
}
