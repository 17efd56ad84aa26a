import { ConfigError } from '../../errors/config-error.js';
import { describeValue } from '../../errors/option-keys.js';

// The failure budget of a scheduler (`SchedulerOptions.maxFailures`): how many of its members may fail
// before the run stops, as a count or a percentage of the members (Ansible's `max_fail_percentage`: the run
// stops when more than that fail).

/**
 * How many members of a scheduler may fail before its run stops: a count (an integer, 0 or more), or a
 * percentage of the members, `'0%'` to `'100%'` (`'10%'` of 37 members tolerates 3 failures: the floor).
 * @category models
 */
export type MaxFailures = number | `${number}%`;

/**
 * What a scheduler's failure budget came to in its latest run (`scheduler.failureBudget()`): plain data.
 * @category models
 */
export interface FailureBudget {
  /** The setting, as given. */
  readonly maxFailures: MaxFailures;
  /** How many failures it tolerates for this many members (see {@link budgetOf}). */
  readonly budget: number;
  /** Members that failed, counted or not. */
  readonly failed: number;
  /** Failures counted against the budget and tolerated. */
  readonly tolerated: number;
  /** Failures not counted against the budget (the scheduler's `_uncounted` said so), also tolerated. */
  readonly ignored: number;
}

const PERCENTAGE = /^(\d+(?:\.\d+)?)%$/;

/** What is wrong with a value of `maxFailures`, or `undefined` when it is a good one. */
function problemOf(value: unknown): string | undefined {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return undefined;
    if (value === Infinity) return "tolerates no infinity: write '100%' to tolerate every failure";
    return `must be a count (an integer, 0 or more) or a percentage such as '10%', got ${String(value)}`;
  }
  if (typeof value === 'string') {
    const match = PERCENTAGE.exec(value);
    if (match !== null && Number(match[1]) <= 100) return undefined;
    const hint = /^\s*\d+\s*$/.test(value)
      ? `: write ${value.trim()} (a number) for a count, or '${value.trim()}%' for a percentage`
      : match === null
        ? ": a percentage is digits then '%', as '10%'"
        : '';
    return `must be a count (an integer, 0 or more) or a percentage from '0%' to '100%', got ${describeValue(value)}${hint}`;
  }
  return `must be a count (an integer, 0 or more) or a percentage such as '10%' (or undefined for none), got ${describeValue(value)}`;
}

/**
 * Checks a value of `maxFailures` (for JavaScript callers too: anything but a count or a percentage).
 * @throws {ConfigError} naming `subject` and the field `maxFailures`.
 * @internal
 */
export function checkMaxFailures(subject: string, value: unknown): void {
  if (value === undefined) return;
  const problem = problemOf(value);
  if (problem !== undefined) throw new ConfigError(subject, 'maxFailures', problem);
}

/**
 * How many failures `maxFailures` tolerates among `size` members: a count is itself; a percentage is the
 * floor of that share of `size` (`'10%'` of 37 = 3, `'40%'` of 5 = 2).
 * @throws {ConfigError} for a `maxFailures` that is neither, or a `size` that is not a count.
 * @category models
 */
export function budgetOf(maxFailures: MaxFailures, size: number): number {
  checkMaxFailures('budgetOf()', maxFailures);
  if (!(Number.isInteger(size) && size >= 0))
    throw new ConfigError('budgetOf()', 'size', `must be an integer, 0 or more, got ${describeValue(size)}`);
  if (typeof maxFailures === 'number') return maxFailures;
  const percent = Number(maxFailures.slice(0, -1));
  // the epsilon absorbs binary rounding (a whole share computed as 2.9999999999999996)
  return Math.floor((percent * size) / 100 + 1e-9);
}

/**
 * What `failureBudget()` says before a run with a budget: the budget for `size` members, nothing counted;
 * `undefined` without `maxFailures`.
 * @internal
 */
export const budgetBefore = (
  maxFailures: MaxFailures | undefined,
  size: number,
): FailureBudget | undefined =>
  maxFailures === undefined
    ? undefined
    : { maxFailures, budget: budgetOf(maxFailures, size), failed: 0, tolerated: 0, ignored: 0 };

/** `3`, or `10% (3)`: a setting of `maxFailures` and the budget it came to, as `why()` shows them. @internal */
export const maxFailuresText = (maxFailures: MaxFailures, budget: number): string =>
  typeof maxFailures === 'number' ? String(maxFailures) : `${maxFailures} (${String(budget)})`;
