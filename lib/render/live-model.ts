/**
 * What the live view shows of a run, read from its jobs: the units counted by state, the running ones with
 * their elapsed times, the units of a folded scheduler (a group, a matrix) as one row.
 * @module
 */
import type { Job } from '../core/job.js';
import { isScheduler } from '../core/scheduler.js';
import { foldHosts } from '../hosts/host-ranges.js';
import type { LiveCounts, LiveRow, LiveSnapshot } from './text/live-text.js';

/** A job the live view counts and shows (a scenario's job, a member of a group), with its label. @category models */
export interface LiveUnit {
  readonly job: Job;
  readonly label: string;
}

/** The units of one folded scheduler, shown as one row. */
interface Fold {
  readonly label: string;
  readonly units: LiveUnit[];
}

/** Where a unit is: the schedulers above it (innermost first), and the outermost folded one. */
interface Place {
  readonly ancestors: readonly Job[];
  readonly fold: Fold | undefined;
}

/** Folded member keys longer than this are left out of a row's label. */
const KEYS_LIMIT = 24;

/** `prepare fit[01-37]`: a folded scheduler's label and its members' keys (hosts) folded, when short. */
function foldLabel(scheduler: Job): string {
  if (!isScheduler(scheduler)) return scheduler.label;
  const keys = foldHosts([...scheduler.jobs].map((m) => scheduler._foldKey(m)));
  return keys.length > KEYS_LIMIT || scheduler.label.includes(keys)
    ? scheduler.label
    : `${scheduler.label} ${keys}`;
}

/** A job's state as the live view counts it; a failure tolerated by a scheduler above it is tolerated. */
const stateOf = (job: Job, ancestors: readonly Job[]): keyof LiveCounts => {
  const status = job.status;
  switch (status) {
    case 'idle':
    case 'scheduled':
      return 'waiting';
    case 'failed':
      return job.isTolerated() || ancestors.some((a) => a.isTolerated()) ? 'tolerated' : 'failed';
    default:
      return status;
  }
};

const NONE: readonly Job[] = [];

const zero = (): Record<keyof LiveCounts, number> => ({
  done: 0,
  failed: 0,
  tolerated: 0,
  skipped: 0,
  cancelled: 0,
  running: 0,
  waiting: 0,
});

/**
 * The state of a run as the live view shows it. `root` (the scheduler run) tells where each unit is: the
 * units under a folded scheduler are one row, and a failure that a scheduler above a unit tolerated counts
 * as tolerated.
 * @internal
 */
export class LiveModel {
  readonly #units: readonly LiveUnit[];
  readonly #places = new Map<LiveUnit, Place>();
  readonly #now: () => number;
  readonly #started: number;
  /** When each unit was first seen running. */
  readonly #startedAt = new Map<LiveUnit, number>();
  readonly #unitOf: ReadonlyMap<Job, LiveUnit>;

  constructor(units: readonly LiveUnit[], root: Job | undefined, now: () => number) {
    this.#units = units;
    this.#now = now;
    this.#started = now();
    this.#unitOf = new Map(units.map((u) => [u.job, u]));
    const folds = new Map<Job, Fold>();
    const walk = (scheduler: Job, ancestors: readonly Job[], fold: Job | undefined): void => {
      if (!isScheduler(scheduler)) return;
      for (const member of scheduler.jobs) {
        const unit = this.#unitOf.get(member);
        if (unit !== undefined) {
          let f = fold === undefined ? undefined : folds.get(fold);
          if (fold !== undefined && f === undefined)
            folds.set(fold, (f = { label: foldLabel(fold), units: [] }));
          f?.units.push(unit);
          this.#places.set(unit, { ancestors, fold: f });
        }
        if (isScheduler(member))
          walk(member, [member, ...ancestors], fold ?? (member.fold ? member : undefined));
      }
    };
    if (root !== undefined) walk(root, NONE, undefined);
  }

  /** `job` started: a unit is timed from now. */
  started(job: Job): void {
    const unit = this.#unitOf.get(job);
    if (unit !== undefined && !this.#startedAt.has(unit)) this.#startedAt.set(unit, this.#now());
  }

  /** The units counted by state. */
  #count(units: Iterable<LiveUnit>): LiveCounts {
    const c = zero();
    for (const unit of units) c[stateOf(unit.job, this.#places.get(unit)?.ancestors ?? NONE)]++;
    return c;
  }

  /** What the live view shows now: the running units (a folded scheduler's as one row), oldest first. */
  snapshot(): LiveSnapshot {
    const now = this.#now();
    const rows: (LiveRow & { since: number })[] = [];
    const folded = new Set<Fold>();
    for (const unit of this.#units) {
      if (unit.job.status !== 'running') continue;
      let since = this.#startedAt.get(unit);
      if (since === undefined) this.#startedAt.set(unit, (since = now));
      const fold = this.#places.get(unit)?.fold;
      if (fold === undefined) {
        const members = isScheduler(unit.job)
          ? this.#count([...unit.job.jobs].map((job) => ({ job, label: '' })))
          : undefined;
        rows.push({ label: unit.label, elapsed: now - since, members, since });
        continue;
      }
      if (folded.has(fold)) continue;
      // since its first unit started (those that ended too)
      for (const u of fold.units) since = Math.min(since, this.#startedAt.get(u) ?? since);
      const row = { label: fold.label, elapsed: now - since, members: this.#count(fold.units), since };
      folded.add(fold);
      rows.push(row);
    }
    rows.sort((a, b) => a.since - b.since);
    return {
      counts: this.#count(this.#units),
      rows: rows.map(({ label, elapsed, members }) => ({ label, elapsed, members })),
      elapsed: now - this.#started,
    };
  }
}
