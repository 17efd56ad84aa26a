import type { Job } from '../job.js';
import type { CancelReason, EventScheduler, NestedRun, SchedulerEvent } from '../model.js';
import { Code } from './codes.js';

/**
 * The end of a run of `scheduler` for the jobs it did not conclude (`status`, by plan index, as `jobs`): puts
 * those waiting for a slot back to idle, and collects a cancelled event for every cancelled one, recursing
 * into the `nested` runs of cancelled schedulers (see `NestedRun.collectCancelled`).
 * @internal
 */
export function collectCancelled(
  scheduler: EventScheduler,
  jobs: readonly Job[],
  status: Uint8Array,
  nested: ReadonlyMap<number, NestedRun> | undefined,
  reason: CancelReason,
  out: SchedulerEvent[] | undefined,
): void {
  for (let i = 0; i < jobs.length; i++) {
    const code = status[i];
    if (code === Code.Scheduled) status[i] = Code.Idle;
    else if (code === Code.Cancelled) {
      out?.push({ type: 'cancelled', job: jobs[i] as Job, reason, scheduler });
      const run = nested?.get(i);
      if (run !== undefined) run.collectCancelled('parent', out);
    }
  }
}
