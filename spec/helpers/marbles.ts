import { expect } from 'chai';
import { filter, map } from 'rxjs';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';

import type { SchedulerEvent } from '../../lib/index.js';

/** Errors compared by name and message (two Error objects are never deep-equal otherwise). */
const normalizeErrors = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (_key, v: unknown) =>
      v instanceof Error ? { name: v.name, message: v.message } : v,
    ),
  );

/** A TestScheduler whose assertions go through chai. */
export const createTestScheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => {
    expect(normalizeErrors(actual)).to.deep.equal(normalizeErrors(expected));
  });

/** One event as a short string: `a:started`, `a:value=x`, `a:done=x`, `a:failed!` (critical), `end:true`. */
export const describeEvent = (e: SchedulerEvent): string => {
  switch (e.type) {
    case 'end':
      return `end:${e.scheduler.label}:${String(e.ok)}`;
    case 'value':
    case 'done':
      return `${e.job.label}:${e.type}=${String(e.value)}`;
    case 'failed':
      return `${e.job.label}:failed${e.critical ? '!' : ''}`;
    case 'cancelled':
      return `${e.job.label}:cancelled(${e.reason})`;
    case 'skipped':
      return `${e.job.label}:skipped`;
    case 'started':
      return `${e.job.label}:started`;
  }
};

/** Every event, described. */
export const described = (events$: Observable<SchedulerEvent>): Observable<string> =>
  events$.pipe(map(describeEvent));

/** Only how jobs ended (done, failed, cancelled, skipped) and the end event, described. */
export const outcomes = (events$: Observable<SchedulerEvent>): Observable<string> =>
  events$.pipe(
    filter((e) => e.type !== 'started' && e.type !== 'value'),
    map(describeEvent),
  );

/**
 * Subscribes inside `testScheduler.run()`, flushes virtual time, and returns every notification as
 * `frame description` (`3 a:done=x`, `5 complete`, `0 error CycleError: ...`). For frames where several
 * events happen at once, which marble groups express poorly.
 */
export function timeline(
  testScheduler: TestScheduler,
  events$: Observable<SchedulerEvent>,
  options: { readonly only?: 'outcomes'; readonly unsubscribeAt?: number } = {},
): string[] {
  const log: string[] = [];
  const at = (): string => String(testScheduler.now());
  const subscription = events$.subscribe({
    next: (e) => {
      if (options.only === 'outcomes' && (e.type === 'started' || e.type === 'value')) return;
      log.push(`${at()} ${describeEvent(e)}`);
    },
    error: (e: unknown) =>
      log.push(`${at()} error ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`),
    complete: () => log.push(`${at()} complete`),
  });
  if (options.unsubscribeAt !== undefined)
    testScheduler.schedule(() => {
      subscription.unsubscribe();
    }, options.unsubscribeAt);
  testScheduler.flush();
  return log;
}
