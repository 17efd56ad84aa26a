import { ConfigError } from '../../errors/config-error.js';
import type { JobsError } from '../../errors/jobs-error.js';
import { describeValue } from '../../errors/option-keys.js';

/**
 * How a job is tried again when its work fails (`JobOptions.retries`). Attempt n + 1 starts
 * {@link retryDelay}`(options, n)` milliseconds after attempt n failed.
 * @category models
 */
export interface RetryOptions {
  /** How many times a failed job is tried again (0: never); a job runs at most `count + 1` times. */
  readonly count: number;
  /** Milliseconds before the first retry (default 1000). */
  readonly delay?: number | undefined;
  /** Factor applied to the delay after each failed retry (default 2; 1 for a constant delay). */
  readonly backoff?: number | undefined;
  /** The longest delay between two attempts, in milliseconds (default 60,000). */
  readonly maxDelay?: number | undefined;
  /**
   * Whether to try again after this failure (`attempt`: the number of the attempt that failed, 1 for the
   * first); retries every failure when unset. If it throws, the job fails with what it threw.
   * @example retryIf: (error) => isJobsError(error, 'ssh-connect')
   */
  readonly retryIf?: ((error: JobsError, attempt: number) => boolean) | undefined;
}

/** What `JobOptions.retries` accepts: a count, or {@link RetryOptions}. @category models */
export type Retries = number | RetryOptions;

const RETRY_KEYS = new Set(['count', 'delay', 'backoff', 'maxDelay', 'retryIf']);

/**
 * The milliseconds to wait after failed attempt `attempt` (1 for the first) before the next one:
 * `min(maxDelay, delay * backoff ** (attempt - 1))`.
 * @category models
 */
export const retryDelay = (options: Retries, attempt: number): number => {
  if (typeof options === 'number') options = { count: options };
  const delay = options.delay ?? 1000;
  const backoff = options.backoff ?? 2;
  const maxDelay = options.maxDelay ?? 60_000;
  return Math.min(maxDelay, delay * backoff ** (attempt - 1));
};

/** How many retries `retries` allows (0 when unset). @internal */
export const retryCount = (retries: Retries | undefined): number =>
  retries === undefined ? 0 : typeof retries === 'number' ? retries : retries.count;

const isCount = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isMilliseconds = (x: unknown): boolean =>
  x === undefined || (typeof x === 'number' && !Number.isNaN(x) && x >= 0);

/**
 * Checks a job's `retries` (undefined passes); throws a {@link ConfigError} naming the job and the field.
 * @internal
 */
export function checkRetries(subject: string, retries: unknown): void {
  if (retries === undefined || isCount(retries)) return;
  const problem = (field: string, what: string, given: unknown): ConfigError =>
    new ConfigError(subject, field, `must be ${what}, got ${describeValue(given)}`);
  if (typeof retries !== 'object' || retries === null || Array.isArray(retries))
    throw problem(
      'retries',
      'a count of retries (an integer, 0 or more) or { count, delay?, backoff?, maxDelay?, retryIf? }',
      retries,
    );
  for (const key of Object.keys(retries))
    if (!RETRY_KEYS.has(key))
      throw new ConfigError(
        subject,
        `retries.${key}`,
        'is not a retry option: use count, delay, backoff, maxDelay or retryIf',
      );
  const { count, delay, backoff, maxDelay, retryIf } = retries as Record<string, unknown>;
  if (!isCount(count)) throw problem('retries.count', 'an integer, 0 or more', count);
  if (!isMilliseconds(delay)) throw problem('retries.delay', 'a duration in milliseconds, 0 or more', delay);
  if (!isMilliseconds(maxDelay))
    throw problem('retries.maxDelay', 'a duration in milliseconds, 0 or more', maxDelay);
  if (backoff !== undefined && !(typeof backoff === 'number' && Number.isFinite(backoff) && backoff >= 1))
    throw problem('retries.backoff', 'a number, 1 or more', backoff);
  if (retryIf !== undefined && typeof retryIf !== 'function')
    throw problem('retries.retryIf', 'a function (error, attempt) => boolean', retryIf);
}
