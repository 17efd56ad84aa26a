/**
 * The options of a GroupJob and of a MatrixJob, and their checks (for plain JavaScript callers too).
 * @module
 */
import { flattenRequirements } from '../core/job.js';
import { checkMaxFailures } from '../core/job/max-failures.js';
import type { Retries } from '../core/job/retry.js';
import { checkRetries } from '../core/job/retry.js';
import type { SchedulerOptions } from '../core/scheduler.js';
import { ConfigError } from '../errors/config-error.js';
import { badOption, is } from '../errors/option-keys.js';
import type { Variables } from '../commands/variables.js';
import type { Node } from '../nodes/node.js';
import type { SshJobOptions } from '../ssh-job/ssh-job-options.js';
import { MAX_TIMER_MS } from '../core/job/job-options.js';

/** What a member SshJob takes from its group's options. @category models */
export type MemberSshOptions = Pick<
  SshJobOptions,
  'variables' | 'keepConnection' | 'stderrTail' | 'output' | 'maxLineBytes' | 'flow'
>;

/**
 * Options of a group of member jobs ({@link GroupJob}, {@link MatrixJob}): those of a Scheduler (`label`,
 * `critical`, `requires`, `runIf`, `timeout` for the whole group, `jobsWindow`, `maxFailures`, `fold`...),
 * plus what applies to each member.
 * @category models
 */
export interface FleetJobOptions extends SchedulerOptions {
  /**
   * How many members may fail, a count or a percentage of the members (`'10%'` of 37 is 3): up to that many
   * failures are tolerated (reported, but the group completes), one more stops the group, whose members
   * still running are cancelled. Default 0: the first failure fails the group.
   */
  readonly maxFailures?: SchedulerOptions['maxFailures'];
  /** Listings and graphs show the group as one line with its counts. Default true. */
  readonly fold?: boolean | undefined;
  /** Milliseconds each member may run (its `timeout`): a straggler fails and counts against `maxFailures`. */
  readonly memberTimeout?: number | undefined;
  /** Each member's `retries` (see `JobOptions.retries`). */
  readonly retries?: Retries | undefined;
  /**
   * A member failing because its host is unreachable (see {@link isUnreachable}) does not count against
   * `maxFailures`: it is tolerated apart (`ignored: true` on its event). Default false.
   */
  readonly ignoreUnreachable?: boolean | undefined;
}

/**
 * Options of a {@link GroupJob}: those of {@link FleetJobOptions}, those that each member SshJob takes, and
 * `skipFailedMembers`.
 * @category models
 */
export interface GroupJobOptions extends FleetJobOptions, Omit<MemberSshOptions, 'variables'> {
  /**
   * The members' variables (see `SshJobOptions.variables`): one `Variables` shared by every member, or a
   * function of each node (and its index) giving each member its own, say a scope over shared ones
   * (`(node) => new Variables([], shared)`): a capture is then that host's, as Ansible's `register`.
   */
  readonly variables?: Variables | ((node: Node, index: number) => Variables) | undefined;
  /**
   * When this group requires another GroupJob (directly) that shares hosts with it, the member of a host
   * whose member there failed (or was skipped or cancelled) is skipped here (`because` that member), as
   * Ansible drops a failed host from the rest of its play: no second timeout on a dead host. Default true.
   */
  readonly skipFailedMembers?: boolean | undefined;
}

/** The keys a GroupJob or MatrixJob takes on top of a Scheduler's. @internal */
export const FLEET_KEYS: readonly string[] = ['memberTimeout', 'retries', 'ignoreUnreachable'];
/** The keys of the members' SshJobs. @internal */
export const MEMBER_SSH_KEYS = [
  'variables',
  'keepConnection',
  'stderrTail',
  'output',
  'maxLineBytes',
  'flow',
] as const;

/** What a member gets from its group: its timeout and retries. @internal */
export interface MemberPolicy {
  readonly timeout: number | undefined;
  readonly retries: Retries | undefined;
}

/**
 * Checks the member options of `options` (those the Scheduler does not see), and those of a Scheduler whose
 * errors would name the scheduler (`maxFailures`, `requires`), for plain JavaScript callers.
 * @throws {ConfigError} naming `subject` and the option.
 * @internal
 */
export function checkFleetOptions(subject: string, options: FleetJobOptions): void {
  const { memberTimeout, ignoreUnreachable } = options;
  checkMaxFailures(subject, options.maxFailures);
  if (options.requires !== undefined) flattenRequirements([options.requires], 'last', [subject, 'requires']);
  if (
    memberTimeout !== undefined &&
    (typeof memberTimeout !== 'number' ||
      Number.isNaN(memberTimeout) ||
      memberTimeout < 0 ||
      memberTimeout > MAX_TIMER_MS)
  )
    throw badOption(
      subject,
      'memberTimeout',
      `a number of milliseconds, 0 to ${String(MAX_TIMER_MS)} (24.8 days)`,
      memberTimeout,
    );
  if (ignoreUnreachable !== undefined && !is.boolean(ignoreUnreachable))
    throw badOption(subject, 'ignoreUnreachable', 'true or false', ignoreUnreachable);
  checkRetries(subject, options.retries);
  const skip = (options as GroupJobOptions).skipFailedMembers;
  if (skip !== undefined && !is.boolean(skip))
    throw badOption(subject, 'skipFailedMembers', 'true or false', skip);
}

/** `options` less the keys of `keys`: what is passed on to the Scheduler. @internal */
export function without(options: object, keys: readonly string[]): SchedulerOptions {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (!keys.includes(key)) rest[key] = value;
  return rest;
}

/**
 * `f()`, or a ConfigError naming `subject` and `field` (`make(fit01)`) when the caller's function throws: the
 * error says which member it was making, the function's own error is its `cause`.
 * @internal
 */
export function called<T>(subject: string, field: string, f: () => T): T {
  try {
    return f();
  } catch (e: unknown) {
    throw new ConfigError(subject, field, `threw: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}
