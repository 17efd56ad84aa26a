import type { Job } from '../job.js';
import type { Plan } from '../plan.js';
import { Code } from './codes.js';
import { Rule } from './rules.js';

/** What a {@link Release} needs of its run (a `GraphRun`). @internal */
export interface ReleaseHost {
  /** Whether the run has stopped: then nothing more is released. */
  readonly stopped: boolean;
  /** Stops the run; `culprit`: the index of the critical job that failed. */
  stop(reason: 'critical' | 'fine', culprit?: number): void;
  /** Queues the first `count` jobs of `batch`, whose requirements are all settled (they start in this order). */
  makeReady(batch: Int32Array, count: number): void;
  /**
   * Marks the job at `index` skipped: by `runIf: 'all-success'` or `_skipIf`, because of `because`; by
   * `runIf: 'one-failed'` (`rule`), because none of its requirements failed (`because` empty).
   */
  skip(index: number, because: Job[], rule?: 'one-failed'): void;
}

/**
 * The release of a run's jobs as their requirements settle: per-job counters of unsettled requirements, the
 * requirements that did not succeed (for `runIf`), and the settle queue. Pure bookkeeping over the plan's
 * typed arrays; the run it belongs to starts the jobs and stops. A job whose requirements have settled runs
 * unless its rule says otherwise (`all-success` and a requirement did not succeed, `one-failed` and none
 * failed, `_skipIf`); while every job is `all-done` and no class overrides `_skipIf`, jobs are not read.
 * @internal
 */
export class Release {
  /** Jobs released together, before they are queued (reused from one batch to the next). */
  #batch = new Int32Array(16);
  /** Requirements not settled yet, per job. */
  readonly #pending: Int32Array;
  /** Requirements that settled without success, for `runIf: 'all-success'` (sparse). */
  readonly #notOk = new Map<number, Job[]>();
  /** The `one-failed` jobs with a requirement that failed (sparse). */
  readonly #oneFailed = new Set<number>();
  /** The plan's rules, `undefined` when every job is `all-done`. */
  readonly #rule: Uint8Array | undefined;
  readonly #hasSkipIf: boolean;
  /** Every job runs once its requirements have settled: no rule to read. */
  readonly #plain: boolean;
  #finiteLeft: number;
  readonly #finiteCount: number;
  #unsettled: number;
  // settle queue: jobs whose outcome is known (see #enqueue)
  #settleQueue = new Int32Array(64);
  #settleHead = 0;
  #settleTail = 0;
  #settling = false;
  readonly #plan: Plan;
  readonly #host: ReleaseHost;

  constructor(plan: Plan, host: ReleaseHost) {
    this.#plan = plan;
    this.#host = host;
    this.#pending = plan.requirementCount.slice();
    this.#finiteCount = plan.finiteCount;
    this.#finiteLeft = plan.finiteCount;
    this.#unsettled = plan.jobs.length;
    this.#rule = plan.rules.rule;
    this.#hasSkipIf = plan.rules.hasSkipIf;
    this.#plain = this.#rule === undefined && !this.#hasSkipIf;
  }

  /** Jobs whose outcome is not settled yet. */
  get unsettled(): number {
    return this.#unsettled;
  }

  /** Makes the jobs without requirements ready. */
  start(): void {
    const pending = this.#pending;
    let count = 0;
    for (let i = 0; i < pending.length; i++)
      if (pending[i] === 0 && (this.#plain || this.#runs(i))) count = this.#addToBatch(count, i);
    this.#host.makeReady(this.#batch, count);
    // jobs skipped at once (by `_skipIf`) settle now, unless a job that ended at once already did that
    if (!this.#settling && this.#settleHead < this.#settleTail) this.#process();
  }

  /**
   * Whether the job at `index`, whose requirements have all settled, runs; if not, marks it skipped and
   * queues its settlement (as not successful).
   */
  #runs(index: number): boolean {
    const rule = this.#rule === undefined ? Rule.AllDone : this.#rule[index];
    let because: readonly Job[] | undefined;
    if (rule === Rule.AllSuccess) because = this.#notOk.get(index);
    else if (rule === Rule.OneFailed && !this.#oneFailed.has(index)) {
      this.#host.skip(index, [], 'one-failed');
      this.#enqueue(index, false);
      return false;
    }
    if (because === undefined && this.#hasSkipIf) {
      because = (this.#plan.jobs[index] as Job)._skipIf();
      if (because?.length === 0) because = undefined;
    }
    if (because === undefined) return true;
    this.#host.skip(index, [...because]);
    this.#enqueue(index, false);
    return false;
  }

  /** Adds a job to the batch of jobs released together; returns the new size of the batch. */
  #addToBatch(count: number, index: number): number {
    if (count === this.#batch.length) {
      const bigger = new Int32Array(count * 2);
      bigger.set(this.#batch);
      this.#batch = bigger;
    }
    this.#batch[count] = index;
    return count + 1;
  }

  #enqueue(index: number, ok: boolean): void {
    if (this.#settleTail === this.#settleQueue.length) {
      const bigger = new Int32Array(this.#settleQueue.length * 2);
      bigger.set(this.#settleQueue);
      this.#settleQueue = bigger;
    }
    // one entry per job: its index when it succeeded, else the index's complement (negative)
    this.#settleQueue[this.#settleTail++] = ok ? index : ~index;
  }

  /**
   * Records outcomes and releases dependents. Iterative (a queue, not recursion): a job finishing
   * synchronously inside another job's settlement only enqueues itself.
   */
  settle(index: number, ok: boolean): void {
    this.#enqueue(index, ok);
    if (!this.#settling) this.#process();
  }

  /** Settles the queued jobs, releasing their dependents, until the queue is empty or the run stops. */
  #process(): void {
    this.#settling = true;
    const host = this.#host;
    const { jobs, critical, forever, successorStart, successors } = this.#plan;
    const rule = this.#rule;
    const pending = this.#pending;
    const status = this.#plan.state.status;
    try {
      while (this.#settleHead < this.#settleTail && !host.stopped) {
        const entry = this.#settleQueue[this.#settleHead++] as number;
        const success = entry >= 0;
        const done = success ? entry : ~entry;
        const doneJob = jobs[done] as Job;
        this.#unsettled--;
        if (forever[done] === 0) this.#finiteLeft--;
        if (!success && critical[done] === 1 && status[done] === Code.Failed) {
          host.stop('critical', done);
          break;
        }
        if ((this.#finiteLeft === 0 && this.#finiteCount > 0) || this.#unsettled === 0) {
          host.stop('fine');
          break;
        }
        let released = 0;
        const last = successorStart[done + 1] as number;
        for (let e = successorStart[done] as number; e < last; e++) {
          const next = successors[e] as number;
          if (!success) {
            const notOk = this.#notOk.get(next);
            if (notOk === undefined) this.#notOk.set(next, [doneJob]);
            else notOk.push(doneJob);
            // a skipped requirement does not count for `one-failed`
            if (rule !== undefined && rule[next] === Rule.OneFailed && status[done] === Code.Failed)
              this.#oneFailed.add(next);
          }
          // the job itself is not read here (it is scattered in memory) unless a rule says to
          if (--(pending[next] as number) === 0 && (this.#plain || this.#runs(next)))
            released = this.#addToBatch(released, next);
        }
        if (released > 0) host.makeReady(this.#batch, released);
      }
    } finally {
      this.#settling = false;
      if (this.#settleHead === this.#settleTail) this.#settleHead = this.#settleTail = 0;
    }
  }
}
