import { expect } from 'chai';
import { lastValueFrom, of, toArray } from 'rxjs';

import { ConfigError, Job, Scheduler } from '../../lib/index.js';
import type { SchedulerEvent } from '../../lib/index.js';
import { rejection } from '../helpers/errors.js';

/** A job that counts its runs and returns `value`. */
const counted = (label: string, value: unknown, options: Record<string, unknown> = {}) => {
  const calls = { count: 0 };
  const job = new Job(
    () => {
      calls.count++;
      return of(value);
    },
    { label, ...options },
  );
  return { job, calls };
};

/** The events of a run, as `label:type` (plus `(restored)`, `=value`). */
const eventsOf = async (scheduler: Scheduler, restore: ReadonlyMap<Job, unknown>): Promise<string[]> => {
  const events: SchedulerEvent[] = await lastValueFrom(scheduler.run({ restore }).pipe(toArray()));
  return events
    .filter((e) => e.type !== 'value')
    .map((e) =>
      e.type === 'end'
        ? `end:${e.scheduler.label}:${String(e.ok)}`
        : e.type === 'done'
          ? `${e.job.label}:done=${String(e.value)}${e.restored === true ? '(restored)' : ''}`
          : `${e.job.label}:${e.type}`,
    );
};

describe('run({ restore }): a resumed run', () => {
  it('does not run restored jobs: they are done at once with their value, and their dependents get it', async () => {
    const a = counted('a', 'new-a');
    const b = counted('b', 'new-b', { requires: a.job });
    const c = counted('c', 'c', { requires: b.job });
    const scheduler = new Scheduler([a.job, b.job, c.job], { label: 'top' });
    const events = await eventsOf(scheduler, new Map([[a.job, 'old-a']]));
    expect(a.calls.count).to.equal(0);
    expect(b.calls.count).to.equal(1);
    expect(c.calls.count).to.equal(1);
    expect(events).to.deep.equal([
      'a:done=old-a(restored)',
      'b:started',
      'b:done=new-b',
      'c:started',
      'c:done=c',
      'end:top:true',
    ]);
    expect(a.job.result()).to.equal('old-a');
    expect(a.job.outcome()).to.deep.equal({ status: 'done', value: 'old-a', restored: true });
    expect(b.job.outcome()).to.deep.equal({ status: 'done', value: 'new-b' });
    expect(scheduler.list()).to.include('<Job `a`> [[restored -> "old-a"]]');
  });

  it('restores members of nested schedulers, which still run their other members', async () => {
    const m1 = counted('m1', 1);
    const m2 = counted('m2', 2);
    const inner = new Scheduler([m1.job, m2.job], { label: 'inner' });
    const after = counted('after', 3, { requires: inner });
    const top = new Scheduler([inner, after.job], { label: 'top' });
    const events = await eventsOf(top, new Map([[m1.job, 'was-1']]));
    expect(m1.calls.count).to.equal(0);
    expect(m2.calls.count).to.equal(1);
    expect(after.calls.count).to.equal(1);
    expect(events).to.include('m1:done=was-1(restored)');
    expect(events.at(-1)).to.equal('end:top:true');
  });

  it('runs nothing when every job is restored, and the run is fine', async () => {
    const a = counted('a', 1);
    const b = counted('b', 2, { requires: a.job });
    const scheduler = new Scheduler([a.job, b.job]);
    expect(
      await scheduler.orchestrate({
        restore: new Map([
          [a.job, 1],
          [b.job, 2],
        ]),
      }),
    ).to.equal(true);
    expect(a.calls.count + b.calls.count).to.equal(0);
    expect(scheduler.why()).to.match(/^fine/);
  });

  it('restores within a jobs window, slots given back at once', async () => {
    const jobs = Array.from({ length: 20 }, (_, i) => counted(`j${String(i)}`, i));
    const scheduler = new Scheduler(
      jobs.map((j) => j.job),
      { jobsWindow: 2 },
    );
    const restore = new Map(jobs.slice(0, 15).map((j, i) => [j.job, i] as const));
    expect(await scheduler.orchestrate({ restore })).to.equal(true);
    expect(jobs.map((j) => j.calls.count)).to.deep.equal([
      ...Array<number>(15).fill(0),
      ...Array<number>(5).fill(1),
    ]);
  });

  it('refuses what is not a Map of plain jobs, naming the scheduler and the field', async () => {
    const a = counted('a', 1);
    const inner = new Scheduler([counted('m', 1).job], { label: 'inner' });
    const scheduler = new Scheduler([a.job, inner], { label: 'top' });
    const bad: unknown[] = [{ a: 1 }, new Map([['a', 1]]), new Map([[inner, true]])];
    for (const restore of bad) {
      const error = await rejection(lastValueFrom(scheduler.run({ restore } as never)));
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as Error).message).to.match(/scheduler "top".*restore/);
    }
    const error = await rejection(scheduler.orchestrate({ restore: 5 } as never));
    expect((error as Error).message).to.match(/restore must be a Map of jobs/);
  });
});
