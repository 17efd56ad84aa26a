import { describeValue } from '../../errors/option-keys.js';
import { ConfigError } from '../../errors/config-error.js';

// A job's requirements and the arguments that name them, generic in the class of jobs (`J`, passed as
// `jobClass` where it is tested with `instanceof`), so that this module needs not import job.ts, which
// imports it: job.ts binds them to `Job`.

/** The class whose instances are the jobs (`Job`, given by job.ts). @internal */
export type JobClass<J> = abstract new (...args: never[]) => J;

/**
 * The brand that tells Sequences (and other chains of jobs) from other objects without `instanceof`, so that
 * this module need not import sequence.ts, which imports it.
 * @internal
 */
export const SEQUENCE: unique symbol = Symbol.for('rxjobs.Sequence');

/** Whether `x` carries the Sequence brand (job.ts gives it the type `x is JobChain`). @internal */
export const isChainLike = (x: unknown): x is { readonly jobs: readonly unknown[] } =>
  typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[SEQUENCE] === true;

/** Up to this many requirements, duplicates are found by a scan of the list rather than a Set. */
const LIST_LIMIT = 16;

/**
 * Adds `job` to a job's non-empty list of requirements unless it is there, and returns the Set that indexes
 * the list: `set` itself, or a new one once the list grows past LIST_LIMIT (`undefined` until then).
 * @internal
 */
export function addRequirement<J>(list: J[], set: Set<J> | undefined, job: J): Set<J> | undefined {
  if (set !== undefined) {
    if (set.has(job)) return set;
    set.add(job);
  } else if (list.length < LIST_LIMIT) {
    if (list.includes(job)) return set;
  } else {
    const index = (set = new Set(list));
    if (index.has(job)) return set;
    index.add(job);
  }
  list.push(job);
  return set;
}

/** `list` without the jobs `gone`, which are also taken out of `set`. @internal */
export function removeRequirements<J>(
  list: readonly J[],
  set: Set<J> | undefined,
  gone: ReadonlySet<J>,
): J[] {
  for (const j of gone) set?.delete(j);
  return list.filter((j) => !gone.has(j));
}

/** True when `items` are at most LIST_LIMIT jobs, none twice (one pass; quadratic, allocation-free). @internal */
export const areFewDistinctJobs = <J>(items: readonly unknown[], jobClass: JobClass<J>): items is J[] => {
  const n = items.length;
  if (n > LIST_LIMIT) return false;
  for (let i = 0; i < n; i++) {
    const item = items[i];
    if (!(item instanceof jobClass)) return false;
    for (let k = 0; k < i; k++) if (items[k] === item) return false;
  }
  return true;
};

/**
 * Flattens requirement-like arguments into jobs (instances of `jobClass`); a chain contributes its `last` or
 * `first` job, or (`'all'`) every job. Arrays, sets and other iterables nest to any depth.
 * @internal
 */
export function flattenJobs<J>(
  jobClass: JobClass<J>,
  items: Iterable<unknown>,
  chainEnd: 'first' | 'last' | 'all',
  where: readonly [subject: string, field: string],
): J[] {
  const out: J[] = [];
  // `unknown`: checked here at run time (and a recursive type there makes type checkers recurse deeply)
  const visit = (item: unknown): void => {
    if (item === null || item === undefined) return;
    if (item instanceof jobClass) out.push(item);
    else if (isChainLike(item)) {
      const jobs = item.jobs as readonly J[];
      if (chainEnd === 'all') out.push(...jobs);
      else {
        const j = chainEnd === 'first' ? jobs[0] : jobs[jobs.length - 1];
        if (j !== undefined) out.push(j);
      }
    } else if (typeof item === 'object' && Symbol.iterator in item)
      for (const x of item as Iterable<unknown>) visit(x);
    else
      throw new ConfigError(
        where[0],
        where[1],
        `must be a job, a Sequence or an array of them, got ${describeValue(item)}`,
      );
  };
  for (const item of items) visit(item);
  return out;
}
