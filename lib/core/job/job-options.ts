import { isObservable } from 'rxjs';
import type { Observable } from 'rxjs';

import { badOption, describeValue, optionKeys, unknownOption } from '../../errors/option-keys.js';
import type { OptionKeys } from '../../errors/option-keys.js';
import { ConfigError } from '../../errors/config-error.js';
import type { ShutdownHook, Work } from './context.js';
import { checkRetries } from './retry.js';
import type { Retries } from './retry.js';
import { RunIf } from './status.js';

// The checks of a job's options and fields. They read a job through `CheckedJob` (what they need of it), so
// that job.ts, which calls them, is the only one of the two to import the other.

/** What the checks read of a job (a `Job`, structurally). @internal */
export interface CheckedJob {
  readonly label: string;
  readonly timeout: number | undefined;
  // checked here for JavaScript callers, so read as unknown
  readonly runIf: unknown;
  readonly critical: unknown;
  readonly forever: unknown;
  readonly retries: unknown;
  readonly _isScheduler: boolean;
  _isPlain(): boolean;
  _hasWork(): boolean;
}

/** The options a job keeps in one object, made on the first one set (see `Job`). @internal */
export interface MutableOptions {
  label: string | undefined;
  critical: boolean | undefined;
  timeout: number | undefined;
  runIf: RunIf;
  shutdown: ShutdownHook | undefined;
  retries: Retries | undefined;
}
/** @internal */
export const DEFAULT_OPTIONS: Readonly<MutableOptions> = {
  label: undefined,
  critical: undefined,
  timeout: undefined,
  runIf: RunIf.AllDone,
  shutdown: undefined,
  retries: undefined,
};

/** What `new Job` reads of its options: those of {@link JobOptions} that `MutableOptions` keeps. @internal */
export type GivenOptions = { readonly [K in keyof MutableOptions]?: MutableOptions[K] | undefined };

/** The object a new job keeps its options in: `undefined` when none of them is set (see `Job`). @internal */
export const optionsOf = (options: GivenOptions | undefined): MutableOptions | undefined =>
  options !== undefined &&
  (options.label !== undefined ||
    options.critical !== undefined ||
    options.timeout !== undefined ||
    options.runIf !== undefined ||
    options.shutdown !== undefined ||
    options.retries !== undefined)
    ? {
        label: options.label,
        critical: options.critical,
        timeout: options.timeout,
        runIf: options.runIf ?? RunIf.AllDone,
        shutdown: options.shutdown,
        retries: options.retries,
      }
    : undefined;

/** Whether the first argument of `new Job` is its options rather than its work. @internal */
export const isOptionsArgument = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' &&
  x !== null &&
  (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null) &&
  !isObservable(x);

/**
 * The `work` a new job keeps: the function given, or one returning the Observable given, or `undefined`.
 * @throws {ConfigError} for anything else (a Promise, say).
 * @internal
 */
export const workOf = <T>(job: CheckedJob, work: unknown): Work<T> | undefined => {
  if (typeof work === 'function') return work as Work<T>;
  if (isObservable(work)) {
    const observable = work as Observable<T>;
    return () => observable;
  }
  if (work === undefined) return undefined;
  throw new ConfigError(subjectOf(job), 'work', workProblem(work));
};

// numbers for the labels of unlabelled jobs (`job#3`), given when a label is first needed
let serial = 0;
const serials = new WeakMap<object, number>();
/** The number in the label of an unlabelled job (`job#3`), given when first asked for. @internal */
export const serialOf = (job: object): number => {
  let n = serials.get(job);
  if (n === undefined) serials.set(job, (n = ++serial));
  return n;
};

const isThenable = (x: unknown): boolean =>
  typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';

/** The keys of {@link JobOptions}. */
const JOB_KEYS = optionKeys([
  'label',
  'critical',
  'forever',
  'requires',
  'timeout',
  'runIf',
  'shutdown',
  'scheduler',
  'retries',
]);

// the keys each subclass accepts: JOB_KEYS plus the `extraOptions` of each class from it up to Job
const keysByClass = new WeakMap<object, OptionKeys>();
const keysOf = (ctor: object): OptionKeys => {
  let keys = keysByClass.get(ctor);
  if (keys === undefined) {
    const extra: string[] = [];
    // up the classes to Job (whose own list is empty) and beyond, to Function.prototype, which has none
    for (let c: unknown = ctor; typeof c === 'function'; c = Object.getPrototypeOf(c)) {
      const own: unknown = Object.hasOwn(c, 'extraOptions')
        ? (c as unknown as { extraOptions: unknown }).extraOptions
        : undefined;
      if (Array.isArray(own)) extra.push(...(own as string[]));
    }
    keys = optionKeys([...JOB_KEYS], extra);
    keysByClass.set(ctor, keys);
  }
  return keys;
};

/** The class of `job` as error messages name it (`Job`, `SshJob`, a user subclass's name). */
export const classOf = (job: CheckedJob): string => job.constructor.name || 'Job';

/** What a job is called before it is built: its class and the label given, if any. */
export const subjectBefore = (job: CheckedJob, options: object): string => {
  const label = (options as { label?: unknown }).label;
  const kind = job._isScheduler ? 'scheduler' : 'job';
  return typeof label === 'string' ? `${kind} "${label}"` : `${kind} (a new ${classOf(job)})`;
};

/**
 * Checks the keys of a job's options (the hot path: one lookup per key given, against a frozen Set), and the
 * types of those that `validateJob` does not see (`label`, `shutdown`, `scheduler`).
 */
export const checkJobOptions = (job: CheckedJob, options: unknown): void => {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new ConfigError(
      `${job._isScheduler ? 'scheduler' : 'job'} (a new ${classOf(job)})`,
      'options',
      `must be an object such as { label: 'x', requires: other }, got ${describeValue(options)}`,
    );
  for (const key in options)
    if (!JOB_KEYS.has(key)) {
      const known = keysOf(job.constructor);
      if (!known.has(key)) throw unknownOption(subjectBefore(job, options), classOf(job), key, known);
    }
  const { label, shutdown, scheduler } = options as {
    label?: unknown;
    shutdown?: unknown;
    scheduler?: { add?: unknown } | null;
  };
  if (label !== undefined && typeof label !== 'string')
    throw badOption(subjectBefore(job, options), 'label', 'a string', label);
  if (shutdown !== undefined && typeof shutdown !== 'function')
    throw badOption(subjectBefore(job, options), 'shutdown', 'a function (the shutdown hook)', shutdown);
  if (scheduler !== undefined && typeof scheduler?.add !== 'function')
    throw badOption(subjectBefore(job, options), 'scheduler', 'a Scheduler', scheduler);
};

export const workProblem = (work: unknown): string =>
  isThenable(work)
    ? 'is a Promise, which has already started and cannot be run again: pass a function instead, ' +
      'new Job(() => f(...)) rather than new Job(f(...))'
    : `must be a function returning an Observable or a Promise, got ${work === null ? 'null' : typeof work}`;

export const missingWork = (job: CheckedJob): ConfigError =>
  new ConfigError(
    subjectOf(job),
    'work',
    `is missing: pass a function to new ${job.constructor.name}(work), or override work() in a subclass`,
  );

/** `job "x"` or `scheduler "x"`, for error messages. @internal */
export const subjectOf = (job: CheckedJob): string =>
  `${job._isScheduler ? 'scheduler' : 'job'} "${job.label}"`;

export const checkDuration = (owner: CheckedJob, field: string, value: unknown, infinite = false): void => {
  if (value === undefined || (infinite && value === Infinity)) return;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0)
    throw new ConfigError(
      subjectOf(owner),
      field,
      `must be a duration in milliseconds, 0 or more (or undefined for none), got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`,
    );
  // what a timer can wait: Node fires a longer one after 1 ms (a timeout of Infinity failed every job at once)
  if (value > MAX_TIMER_MS)
    throw new ConfigError(
      subjectOf(owner),
      field,
      `must be at most ${String(MAX_TIMER_MS)} ms (24.8 days), got ${String(value)}: leave it undefined for none`,
    );
};

/** The longest delay a Node.js timer takes (2^31 - 1 ms). @internal */
export const MAX_TIMER_MS = 2_147_483_647;

const RUN_IF: ReadonlySet<unknown> = new Set(Object.values(RunIf));

/**
 * Checks a job's fields; throws a {@link ConfigError} naming the job and the field.
 * @internal
 */
export function validateJob(job: CheckedJob): void {
  // the common case, a job with a work function and none of the options set: nothing else to check
  if (job._isPlain()) return;
  if (!job._hasWork()) throw missingWork(job);
  checkDuration(job, 'timeout', job.timeout);
  if (job._isScheduler && job.retries !== undefined)
    throw new ConfigError(
      subjectOf(job),
      'retries',
      'is for jobs, not schedulers (a scheduler is not run again): set retries on its jobs',
    );
  checkRetries(subjectOf(job), job.retries);
  // the types already say so: this is for JavaScript callers, and for fields assigned after construction
  const { runIf, critical, forever } = job as { runIf: unknown; critical: unknown; forever: unknown };
  if (!RUN_IF.has(runIf))
    throw new ConfigError(
      subjectOf(job),
      'runIf',
      `must be 'all-done', 'all-success', 'always' or 'one-failed', got ${JSON.stringify(runIf)}`,
    );
  if (critical !== undefined && typeof critical !== 'boolean')
    throw new ConfigError(
      subjectOf(job),
      'critical',
      `must be true, false or undefined, got ${JSON.stringify(critical)}`,
    );
  if (typeof forever !== 'boolean')
    throw new ConfigError(subjectOf(job), 'forever', `must be true or false, got ${JSON.stringify(forever)}`);
}
