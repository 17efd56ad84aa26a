import type { Job } from './job.js';

/**
 * The jobs of `list` in order, each once (its first time). Sets each job's `_indexHint` to its position in the
 * result: a job is a repeat iff the result already holds it there. O(length).
 * @internal
 */
export function distinctJobs(list: readonly Job[]): Job[] {
  const out: Job[] = [];
  for (const job of list) {
    const k = job._indexHint;
    if (k >= 0 && k < out.length && out[k] === job) continue;
    job._indexHint = out.length;
    out.push(job);
  }
  return out;
}

/**
 * The members of a scheduler, in insertion order. Adding 100,000 jobs to a Set costs about a fifth of making
 * them: until a Set is asked for (`jobs`, `size`, `has`, iteration, `remove`), the members are an array. A
 * job at its `_indexHint` in it is a member, so a repeat is mostly seen at once; a job whose `_indexHint` is elsewhere
 * (it was listed by another scheduler or a plan since) may be a repeat, and is pushed anyway: repeats are
 * dropped before such jobs outnumber the others, and when the run reads the members through `list()`. Once
 * built, the Set holds the members for good.
 * @internal
 */
export class MemberList {
  #memberList: Job[] | undefined = [];
  #memberSet: Set<Job> | undefined = undefined;
  /** Jobs pushed on `#memberList` that may have been there already. */
  #unsure = 0;

  /** The members as a Set, built on the first call and kept for good. */
  set(): Set<Job> {
    if (this.#memberSet === undefined) {
      this.#memberSet = new Set(this.#memberList);
      this.#memberList = undefined;
    }
    return this.#memberSet;
  }

  /** The members in insertion order, each once, without building the Set (see `SchedulerCore._memberList`). */
  list(): Iterable<Job> {
    const list = this.#memberList;
    if (list === undefined) return this.set();
    return this.#unsure === 0 ? list : this.#compact(list);
  }

  #compact(list: readonly Job[]): Job[] {
    const distinct = distinctJobs(list);
    this.#memberList = distinct;
    this.#unsure = 0;
    return distinct;
  }

  /** Adds a job (a repeat is ignored). */
  add(job: Job): void {
    const list = this.#memberList;
    if (list === undefined) {
      (this.#memberSet as Set<Job>).add(job);
      return;
    }
    const k = job._indexHint;
    if (k >= 0 && k < list.length && list[k] === job) return;
    // a job never listed anywhere (`_indexHint` -1) is surely not a member yet; one listed elsewhere may be
    if (k >= 0) this.#unsure++;
    job._indexHint = list.length;
    list.push(job);
    // the array stays within about twice the number of members, at O(1) per job overall
    if (this.#unsure > list.length - this.#unsure + 16) this.#compact(list);
  }
}
