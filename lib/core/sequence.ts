import { badOption, checkOptionKeys, optionKeys } from '../errors/option-keys.js';
import type { Requirement } from './job.js';
import { flattenRequirements, Job } from './job.js';
import { SEQUENCE } from './job/requirements.js';

/** What a Sequence or a scheduler accepts as members: jobs, Sequences, and arrays of them. @category models */
export type Schedulable = Job | Sequence | null | undefined | readonly Schedulable[];

/** @category models */
export interface SequenceOptions {
  /** Requirements of the sequence's first job. */
  readonly requires?: Requirement;
  /** A scheduler to add the jobs to (now, and on every `append`). */
  readonly scheduler?: { add(...jobs: Job[]): unknown } | undefined;
}

const isOptions = (x: unknown): x is SequenceOptions =>
  typeof x === 'object' &&
  x !== null &&
  (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null);

const SEQUENCE_KEYS = optionKeys(['requires', 'scheduler']);

/**
 * Jobs that run one after the other: each job requires the previous one. Sequences nest (they are
 * flattened); as a requirement, a Sequence means its last job; `sequence.requires(x)` makes its first job
 * require `x`. Schedulers accept Sequences wherever they accept jobs.
 * @example
 * const scheduler = new Scheduler([new Sequence(prepare, run, collect), monitor]);
 * @category constructors
 */
export class Sequence {
  /** @internal brand, see `SEQUENCE` in job/requirements.ts */
  readonly [SEQUENCE] = true;
  readonly #jobs: Job[] = [];
  readonly #scheduler: SequenceOptions['scheduler'];

  constructor(...items: Array<Schedulable | SequenceOptions>) {
    const last = items[items.length - 1];
    const options: SequenceOptions = isOptions(last) ? last : {};
    if (isOptions(last)) items = items.slice(0, -1);
    checkOptionKeys(() => 'Sequence', 'Sequence', options, SEQUENCE_KEYS);
    const add = options.scheduler as { add?: unknown } | null | undefined;
    if (add !== undefined && typeof add?.add !== 'function')
      throw badOption('Sequence', 'scheduler', 'a Scheduler', add);
    this.#scheduler = options.scheduler;
    this.append(...(items as Schedulable[]));
    if (options.requires !== undefined) this.requires(options.requires);
  }

  /** The jobs, in order. */
  get jobs(): readonly Job[] {
    return this.#jobs;
  }
  /** The first job, or `undefined` when empty. */
  get first(): Job | undefined {
    return this.#jobs[0];
  }
  /** The last job, or `undefined` when empty. */
  get last(): Job | undefined {
    return this.#jobs[this.#jobs.length - 1];
  }
  get length(): number {
    return this.#jobs.length;
  }
  [Symbol.iterator](): Iterator<Job> {
    return this.#jobs[Symbol.iterator]();
  }

  /**
   * Appends jobs (or Sequences, flattened) at the end: the first new job requires the current last one.
   * @category combinators
   */
  append(...items: Schedulable[]): this {
    const added = flattenRequirements(items, 'all', ['Sequence', 'jobs']);
    for (const job of added) {
      const previous = this.last;
      if (previous !== undefined) job.requires(previous);
      this.#jobs.push(job);
    }
    if (added.length > 0) this.#scheduler?.add(...added);
    return this;
  }

  /**
   * Makes the first job require these. Returns this sequence.
   * @category combinators
   */
  requires(...requirements: Requirement[]): this {
    this.first?.requires(...requirements);
    return this;
  }
}
