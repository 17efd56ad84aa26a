import type { Job } from '../core/job.js';
import type { SchedulerCore as Scheduler } from '../core/scheduler.js';

/**
 * Brands that tell Sequences and Schedulers apart without `instanceof`, so that modules which only need to
 * recognise them do not import each other at run time (job.ts <-> sequence.ts <-> scheduler.ts).
 */
export const SEQUENCE: unique symbol = Symbol.for('rxjobs.Sequence');
export const SCHEDULER: unique symbol = Symbol.for('rxjobs.Scheduler');

export const hasBrand = (x: unknown, brand: symbol): boolean =>
  typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[brand] === true;

/**
 * Whether a job is a Scheduler (by its brand: no run-time import of scheduler.ts). Its own property read
 * rather than `hasBrand`'s, which sees objects of every kind: here only jobs, a few shapes, so that the
 * read stays cheap on the run's hot paths.
 */
export const isScheduler = (job: Job): job is Scheduler =>
  (job as unknown as { readonly [SCHEDULER]?: unknown })[SCHEDULER] === true;

/**
 * Walks from `start`, each step to `next(current)`, until a node repeats; returns the cycle so found,
 * reversed (the walk follows requirements, so this is running order: each requires the one before it).
 * `next` must always lead somewhere: every node met has a successor.
 */
export function cycleFrom<T>(start: T, next: (current: T) => T): T[] {
  const seenAt = new Map<T, number>();
  const path: T[] = [];
  let current = start;
  while (!seenAt.has(current)) {
    seenAt.set(current, path.length);
    path.push(current);
    current = next(current);
  }
  return path.slice(seenAt.get(current)).reverse();
}
