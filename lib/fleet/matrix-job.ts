/**
 * MatrixJob: one member per instance of a matrix, as a nested scheduler with a failure budget.
 * @module
 */
import { Job } from '../core/job.js';
import type { JobGroup } from '../core/model.js';
import { ConfigError } from '../errors/config-error.js';
import { isJobsError } from '../errors/jobs-error.js';
import type { JobsError } from '../errors/jobs-error.js';
import { describeValue } from '../errors/option-keys.js';
import { Scheduler } from '../scheduler.js';
import { called, checkFleetOptions, FLEET_KEYS, without } from './group-options.js';
import type { FleetJobOptions } from './group-options.js';
import { instancesOf } from './matrix.js';
import type { MatrixAxes, MatrixInstance, MatrixOptions } from './matrix.js';
import { NodeGroup } from './node-group.js';
import { isUnreachable } from './unreachable.js';

/** Options of a {@link MatrixJob}: a group's, and the filters of {@link matrix}. @category models */
export interface MatrixJobOptions extends FleetJobOptions, MatrixOptions {}

/** What a MatrixJob makes of each instance: one job, or several (run as a nested scheduler). @category models */
export type MatrixWork = (instance: MatrixInstance) => Job | readonly Job[];

/**
 * A job on every instance of a matrix (see {@link matrix}): the product of node groups and lists of values,
 * filtered by `where` and `exclude`. Each instance gives one member: the job the function returns, labelled
 * `pairs[fit01,fit10]`, or, for several jobs, a nested scheduler of that label whose jobs are labelled
 * `pairs[fit01,fit10].send` (they may require each other). Like a {@link GroupJob}: `maxFailures` (default 0),
 * `memberTimeout` (each member's timeout), `retries` (each job's), `ignoreUnreachable`, `jobsWindow` (1: one
 * instance at a time), folded listings, critical unless told otherwise.
 * @example
 * const pairs = new MatrixJob(
 *   { sender: fits, receiver: fits },
 *   (i) => new SshJob(i.node('sender'), `ping -c 3 ${i.vars.receiver}`),
 *   { label: 'pairs', where: 'sender != receiver', jobsWindow: 1, maxFailures: '20%' },
 * );
 * @category constructors
 */
export class MatrixJob extends Scheduler {
  /** The instances, after filtering, in product order: one member each. */
  readonly instances: readonly MatrixInstance[];
  /** What member labels start with: `pairs` of `pairs[fit01,fit10]` (the `label` option; default the axes, `sender×receiver`). */
  readonly memberPrefix: string;
  /** See {@link FleetJobOptions.ignoreUnreachable}. */
  ignoreUnreachable: boolean;
  readonly #byKey = new Map<string, Job>();
  readonly #foldKeys = new Map<Job, string>();
  /** Every job the instances made, to refuse one made twice. */
  readonly #made = new Set<Job>();

  /** The keys of {@link MatrixJobOptions} beyond those of a scheduler. */
  protected static override readonly extraOptions: readonly string[] = [...FLEET_KEYS, 'where', 'exclude'];

  /**
   * @param axes the named axes: node groups and lists of values (the first axis varies slowest)
   * @param make the job, or jobs, of one instance
   * @throws {ConfigError} for bad axes, filters or options, more than 100,000 instances before filtering, a
   * `make` that returns something else than jobs or throws (`make(fit01,fit02) threw: ...`), a `where`
   * function that throws, or filters that leave no instance.
   */
  constructor(axes: MatrixAxes, make: MatrixWork, options: MatrixJobOptions = {}) {
    const label: unknown = (options as { label?: unknown } | null)?.label;
    const names =
      typeof axes === 'object' && (axes as unknown) !== null ? Object.keys(axes).join('×') : 'matrix';
    const prefix = typeof label === 'string' ? label : names;
    const subject = `matrix job "${prefix}"`;
    if (typeof options !== 'object' || (options as unknown) === null || Array.isArray(options))
      throw new ConfigError(subject, 'options', `must be an object, got ${describeValue(options)}`);
    if (label !== undefined && (typeof label !== 'string' || label === ''))
      throw new ConfigError(subject, 'label', `must be a non-empty string, got ${describeValue(label)}`);
    if (typeof make !== 'function')
      throw new ConfigError(
        subject,
        'make',
        `must be a function of each instance returning its job, got ${describeValue(make)}`,
      );
    checkFleetOptions(subject, options);
    const instances = instancesOf(subject, axes, { where: options.where, exclude: options.exclude });
    if (instances.length === 0) {
      // the axes were checked: each is a NodeGroup or a non-empty list
      const sizes = Object.values(axes).map((a) => (a instanceof NodeGroup ? a.size : a.length));
      throw new ConfigError(
        subject,
        options.where === undefined ? 'exclude' : 'where',
        `leaves no instance of the ${String(sizes.reduce((n, k) => n * k, 1))} of ${Object.keys(axes).join(' × ')}`,
      );
    }
    const rest = without(options, [...FLEET_KEYS, 'where', 'exclude', 'label']);
    super({ ...rest, label: prefix, maxFailures: options.maxFailures ?? 0, fold: options.fold ?? true });
    this.memberPrefix = prefix;
    this.instances = instances;
    this.ignoreUnreachable = options.ignoreUnreachable ?? false;
    for (const instance of instances) {
      const member = this.#memberOf(subject, make, instance, options);
      this.#byKey.set(instance.key, member);
      this.#foldKeys.set(
        member,
        Object.keys(instance.values)
          .map((axis) => instance.vars[axis])
          .join('×'),
      );
      this.add(member);
    }
  }

  #memberOf(subject: string, make: MatrixWork, instance: MatrixInstance, options: FleetJobOptions): Job {
    const label = `${this.memberPrefix}[${instance.key}]`;
    const made: unknown = called(subject, `make(${instance.key})`, () => make(instance));
    const jobs: unknown[] = made instanceof Job ? [made] : Array.isArray(made) ? made : [];
    if (jobs.length === 0 || !jobs.every((j) => j instanceof Job))
      throw new ConfigError(
        subject,
        `make(${instance.key})`,
        `must return a job or a non-empty list of jobs, got ${describeValue(made)}`,
      );
    for (const job of jobs as Job[]) {
      if (this.#made.has(job))
        throw new ConfigError(
          subject,
          `make(${instance.key})`,
          `returned job "${job.label}" again: make new jobs for each instance`,
        );
      this.#made.add(job);
      if (options.retries !== undefined && !job._isScheduler) job.retries = options.retries;
    }
    if (made instanceof Job) {
      made.label = label;
      if (options.memberTimeout !== undefined) made.timeout = options.memberTimeout;
      return made;
    }
    for (const job of jobs as Job[]) job.label = `${label}.${job.label}`;
    return new Scheduler(jobs as Job[], { label, timeout: options.memberTimeout });
  }

  /**
   * The member of an instance (by its key, `fit01,fit10`, or the instance), or undefined.
   * @category running
   */
  member(instance: MatrixInstance | string): Job | undefined {
    return this.#byKey.get(typeof instance === 'string' ? instance : instance.key);
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
    if (!this.ignoreUnreachable) return false;
    if (isUnreachable(error)) return true;
    // an instance of several jobs: unreachable when every job that failed in it was
    if (!isJobsError(error, 'scheduler-aborted') || !error.scheduler._isScheduler) return false;
    const failed = [...(error.scheduler as JobGroup).jobs].filter((j) => j.status === 'failed');
    return failed.length > 0 && failed.every((j) => isUnreachable(j.raisedException()));
  }

  /** @internal a folded listing groups members by instance: `fit01×fit10`. */
  override _foldKey(member: Job): string {
    return this.#foldKeys.get(member) ?? super._foldKey(member);
  }
}
