import { expect } from 'chai';
import { lastValueFrom, Observable, of, throwError, toArray } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';

import { ConfigError, Job, Scheduler } from '../../lib/index.js';
import type { JobFailedEvent, JobsError, SchedulerEvent, SchedulerOptions } from '../../lib/index.js';
import { budgetOf } from '../../lib/core/job/max-failures.js';
import type { MaxFailures } from '../../lib/core/job/max-failures.js';
import { rejection, thrown } from '../helpers/errors.js';
import { createTestScheduler } from '../helpers/marbles.js';

/**
 * One event as a short string, with what a budget adds: `a:failed~` (tolerated), `a:failed?` (ignored),
 * `a:failed!` (critical: beyond the budget), `end:g:false(critical)`.
 */
const describe1 = (e: SchedulerEvent): string => {
  switch (e.type) {
    case 'failed':
      return `${e.job.label}:failed${e.critical ? '!' : ''}${e.tolerated === true ? '~' : ''}${e.ignored === true ? '?' : ''}`;
    case 'done':
      return `${e.job.label}:done=${String(e.value)}`;
    case 'cancelled':
      return `${e.job.label}:cancelled(${e.reason})`;
    case 'end':
      return `end:${e.scheduler.label}:${String(e.ok)}${e.ok ? '' : `(${e.reason})`}`;
    case 'started':
    case 'value':
    case 'skipped':
      return `${e.job.label}:${e.type}`;
  }
};

/** Every event but values and starts, as `frame description`, in virtual time. */
const timeline = (ts: TestScheduler, events$: Observable<SchedulerEvent>): string[] => {
  const log: string[] = [];
  events$.subscribe({
    next: (e) => {
      if (e.type !== 'value' && e.type !== 'started') log.push(`${String(ts.now())} ${describe1(e)}`);
    },
    error: (e: unknown) => log.push(`${String(ts.now())} error ${String(e)}`),
    complete: () => log.push(`${String(ts.now())} complete`),
  });
  ts.flush();
  return log;
};

/** The failed events of a run, by job label. */
const failedEvents = async (events$: Observable<SchedulerEvent>): Promise<Map<string, JobFailedEvent>> =>
  new Map(
    (await lastValueFrom(events$.pipe(toArray())))
      .filter((e): e is JobFailedEvent => e.type === 'failed')
      .map((e) => [e.job.label, e]),
  );

const fails = (label: string, message = label): Job =>
  new Job(() => throwError(() => new Error(message)), { label });
const succeeds = (label: string): Job => new Job(() => of(label), { label });

/** A scheduler whose members failing with a message that says "unreachable" do not count. */
class Tolerant extends Scheduler {
  override _uncounted(error: JobsError): boolean {
    return error.message.includes('unreachable');
  }
}

const untyped = (x: unknown): SchedulerOptions => x as SchedulerOptions;

describe('maxFailures, a failure budget', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = createTestScheduler();
  });

  it('budgetOf: a count is itself; a percentage, the floor of that share of the members', () => {
    expect(budgetOf(3, 37)).to.equal(3);
    expect(budgetOf(0, 5)).to.equal(0);
    expect(budgetOf('10%', 37)).to.equal(3);
    expect(budgetOf('40%', 5)).to.equal(2);
    expect(budgetOf('0%', 1000)).to.equal(0);
    expect(budgetOf('100%', 7)).to.equal(7);
    expect(budgetOf('12.5%', 8)).to.equal(1);
    expect(budgetOf('30%', 10)).to.equal(3);
    expect(budgetOf('70%', 10)).to.equal(7);
    expect(budgetOf('10%', 0)).to.equal(0);
    expect(thrown(() => budgetOf('101%', 3))).to.be.instanceOf(ConfigError);
    expect(thrown(() => budgetOf(1, -1))).to.be.instanceOf(ConfigError);
  });

  it('budget 2 of 5: two failures tolerated, the group ends fine, its parent too (marbles)', () => {
    ts.run(({ cold }) => {
      const m = [
        cold('-a|'),
        cold('--#', {}, new Error('two')),
        cold('---c|'),
        cold('----#', {}, new Error('four')),
        cold('-----e|'),
      ];
      const members = m.map((w, i) => new Job(() => w, { label: `m${String(i + 1)}` }));
      const group = new Scheduler(members, { label: 'g', maxFailures: 2 });
      const after = new Job(() => cold('-z|'), { label: 'after', requires: group });
      const main = new Scheduler([group, after], { label: 'main' });
      expect(timeline(ts, main.run())).to.deep.equal([
        '2 m1:done=a',
        '2 m2:failed~',
        '4 m3:done=c',
        '4 m4:failed~',
        '6 m5:done=e',
        '6 end:g:true',
        '6 g:done=true',
        '8 after:done=z',
        '8 end:main:true',
        '8 complete',
      ]);
      expect(group.why()).to.equal('fine: every job completed (2 failed, tolerated by maxFailures 2)');
      expect(main.why()).to.equal('fine: every job completed');
      expect(members.map((j) => [j.status, j.isTolerated()])).to.deep.equal([
        ['done', false],
        ['failed', true],
        ['done', false],
        ['failed', true],
        ['done', false],
      ]);
      expect(group.isTolerated()).to.equal(false);
      const budget = group.failureBudget();
      expect(budget).to.deep.equal({ maxFailures: 2, budget: 2, failed: 2, tolerated: 2, ignored: 0 });
      expect(structuredClone(budget)).to.deep.equal(budget);
      expect(main.failureBudget()).to.equal(undefined);
    });
  });

  it('the failure beyond the budget stops the group at that frame, as a critical failure: siblings unsubscribed', () => {
    ts.run(({ cold, expectSubscriptions }) => {
      const m = [
        cold('-#', {}, new Error('one')),
        cold('--#', {}, new Error('two')),
        cold('---#', {}, new Error('three')),
        cold('------d|'),
        cold('-------e|'),
      ];
      const members = m.map((w, i) => new Job(() => w, { label: `m${String(i + 1)}` }));
      const group = new Scheduler(members, { label: 'g', maxFailures: 2 });
      const after = new Job(() => cold('-z|'), { label: 'after', requires: group });
      const main = new Scheduler([group, after], { label: 'main' });
      expect(timeline(ts, main.run())).to.deep.equal([
        '1 m1:failed~',
        '2 m2:failed~',
        '3 m3:failed!',
        '3 m4:cancelled(critical)',
        '3 m5:cancelled(critical)',
        '3 end:g:false(critical)',
        // the group is not critical in its parent: the parent goes on
        '3 g:failed',
        '5 after:done=z',
        '5 end:main:true',
        '5 complete',
      ]);
      expectSubscriptions(m[2]?.subscriptions ?? []).toBe('^--!');
      expectSubscriptions(m[3]?.subscriptions ?? []).toBe('^--!');
      expectSubscriptions(m[4]?.subscriptions ?? []).toBe('^--!');
      expect(group.failedCritical()).to.equal(true);
      expect(group.why()).to.equal(
        '3 of 5 members failed, more than maxFailures 2: "m3" failed: Error: three',
      );
      expect(group.raisedException()).to.be.an('error').with.property('code', 'scheduler-aborted');
      expect((group.raisedException() as Error).message).to.equal(
        'scheduler "g" ended false: 3 of 5 members failed, more than maxFailures 2: "m3" failed: Error: three',
      );
      expect(members.map((j) => j.isTolerated())).to.deep.equal([true, true, false, false, false]);
      expect(group.failureBudget()).to.deep.equal({
        maxFailures: 2,
        budget: 2,
        failed: 3,
        tolerated: 2,
        ignored: 0,
      });
    });
  });

  it("'40%' of 5 members tolerates 2; why() shows the percentage and what it came to", () => {
    ts.run(({ cold }) => {
      const m = [1, 2, 3].map((i) => cold(`${'-'.repeat(i)}#`, {}, new Error(`e${String(i)}`)));
      const members = [
        ...m.map((w, i) => new Job(() => w, { label: `m${String(i + 1)}` })),
        new Job(() => cold('-----d|'), { label: 'm4' }),
        new Job(() => cold('-----e|'), { label: 'm5' }),
      ];
      const group = new Scheduler(members, { label: 'g', maxFailures: '40%' });
      expect(timeline(ts, group.run())).to.deep.equal([
        '1 m1:failed~',
        '2 m2:failed~',
        '3 m3:failed!',
        '3 m4:cancelled(critical)',
        '3 m5:cancelled(critical)',
        '3 end:g:false(critical)',
        '3 complete',
      ]);
      expect(group.why()).to.equal(
        '3 of 5 members failed, more than maxFailures 40% (2): "m3" failed: Error: e3',
      );
      expect(group.failureBudget()).to.deep.include({ maxFailures: '40%', budget: 2, tolerated: 2 });
    });
  });

  it('maxFailures 0 stops at the first failure, whatever the members say; a fine run with two tolerated by a percentage', async () => {
    const zero = new Scheduler([fails('a'), succeeds('b')], { label: 'zero', maxFailures: 0 });
    expect(await zero.orchestrate()).to.equal(false);
    expect(zero.why()).to.equal('1 of 2 members failed, more than maxFailures 0: "a" failed: Error: a');
    const members = [fails('a'), fails('b'), succeeds('c'), succeeds('d'), succeeds('e')];
    const fine = new Scheduler(members, { label: 'fine', maxFailures: '40%' });
    expect(await fine.orchestrate()).to.equal(true);
    expect(fine.why()).to.equal('fine: every job completed (2 failed, tolerated by maxFailures 40% (2))');
  });

  it("under a budget, a member's own critical: true does not abort: the budget decides (and the work sees critical false)", async () => {
    const seen: boolean[] = [];
    const a = new Job(
      (context) => {
        seen.push(context.critical);
        return throwError(() => new Error('a'));
      },
      { label: 'a', critical: true },
    );
    const group = new Scheduler([a, succeeds('b')], { label: 'g', maxFailures: 1, critical: true });
    const events = await failedEvents(group.run());
    expect(events.get('a')).to.include({ critical: false, tolerated: true });
    expect(seen).to.deep.equal([false]);
    expect(group.why()).to.equal('fine: every job completed (1 failed, tolerated by maxFailures 1)');
  });

  it('_uncounted: failures it names are tolerated apart (ignored: true), whatever the budget', async () => {
    const members = [
      fails('u1', 'unreachable host'),
      fails('u2', 'unreachable host'),
      fails('u3', 'unreachable host'),
      fails('x1'),
      succeeds('ok'),
    ];
    const group = new Tolerant(members, { label: 'g', maxFailures: 1 });
    const events = await failedEvents(group.run());
    expect(events.get('u1')).to.include({ critical: false, ignored: true });
    expect(events.get('u1')).not.to.have.property('tolerated');
    expect(events.get('x1')).to.include({ critical: false, tolerated: true });
    expect(events.get('x1')).not.to.have.property('ignored');
    expect(group.why()).to.equal(
      'fine: every job completed (1 failed, tolerated by maxFailures 1; 3 failed, ignored)',
    );
    expect(group.failureBudget()).to.deep.equal({
      maxFailures: 1,
      budget: 1,
      failed: 4,
      tolerated: 1,
      ignored: 3,
    });
    expect(members.map((j) => j.isTolerated())).to.deep.equal([true, true, true, true, false]);
    // one more counted failure is over the budget; the ignored ones are named apart
    const over = new Tolerant([fails('u', 'unreachable'), fails('x1'), fails('x2')], {
      label: 'over',
      maxFailures: 1,
      jobsWindow: 1,
    });
    expect(await over.orchestrate()).to.equal(false);
    expect(over.why()).to.equal(
      '2 of 3 members failed (and 1 ignored), more than maxFailures 1: "x2" failed: Error: x2',
    );
  });

  it('the failed event carries tolerated / ignored only when true; no budget, no change', async () => {
    const events = await failedEvents(
      new Scheduler([fails('a'), fails('b')], { maxFailures: 1, jobsWindow: 1 }).run(),
    );
    expect(Object.keys(events.get('a') ?? {}).sort()).to.deep.equal(
      ['critical', 'error', 'job', 'scheduler', 'tolerated', 'type'].sort(),
    );
    expect(Object.keys(events.get('b') ?? {}).sort()).to.deep.equal(
      ['critical', 'error', 'job', 'scheduler', 'type'].sort(),
    );
    expect(events.get('b')?.critical).to.equal(true);
    // with retries: counted once, after the last attempt
    const r = new Job(() => throwError(() => new Error('r')), {
      label: 'r',
      retries: { count: 1, delay: 0 },
    });
    const retried = await failedEvents(new Scheduler([r], { maxFailures: 1 }).run());
    expect(retried.get('r')).to.include({ attempts: 2, tolerated: true, critical: false });
    const a = fails('a');
    const plain = new Scheduler([a, succeeds('b')]);
    const plainEvents = await failedEvents(plain.run());
    expect(Object.keys(plainEvents.get('a') ?? {})).not.to.include.members(['tolerated', 'ignored']);
    expect(a.isTolerated()).to.equal(false);
    expect(plain.failureBudget()).to.equal(undefined);
    expect(plain.maxFailures).to.equal(undefined);
    expect(plain.why()).to.equal('fine: every job completed (1 failed, not critical)');
  });

  it('failureBudget() before any run: the budget for the current members, nothing counted; getters', () => {
    const group = new Scheduler([succeeds('a'), succeeds('b'), succeeds('c')], {
      label: 'g',
      maxFailures: '50%',
      fold: true,
    });
    expect(group.failureBudget()).to.deep.equal({
      maxFailures: '50%',
      budget: 1,
      failed: 0,
      tolerated: 0,
      ignored: 0,
    });
    expect(group.maxFailures).to.equal('50%');
    expect(group.fold).to.equal(true);
    expect(new Scheduler().fold).to.equal(false);
    expect(group._foldKey(succeeds('x'))).to.equal('x');
  });

  it('bad values from plain JavaScript: one ConfigError naming the scheduler and maxFailures', async () => {
    const problem = (value: unknown): string => {
      const e = thrown(() => new Scheduler([], untyped({ label: 's', maxFailures: value })));
      expect(e).to.be.instanceOf(ConfigError);
      expect(e).to.include({ subject: 'scheduler "s"', field: 'maxFailures' });
      return (e as ConfigError).message;
    };
    expect(problem(-1)).to.equal(
      'scheduler "s": maxFailures must be a count (an integer, 0 or more) or a percentage such as \'10%\', got -1',
    );
    expect(problem(1.5)).to.match(/got 1\.5$/);
    expect(problem(Number.NaN)).to.match(/got NaN$/);
    expect(problem(Infinity)).to.include("write '100%' to tolerate every failure");
    expect(problem('3')).to.include("write 3 (a number) for a count, or '3%' for a percentage");
    expect(problem('101%')).to.equal(
      'scheduler "s": maxFailures must be a count (an integer, 0 or more) or a percentage from \'0%\' to \'100%\', got string "101%"',
    );
    expect(problem('10 %')).to.include("a percentage is digits then '%', as '10%'");
    expect(problem('-5%')).to.include('got string "-5%"');
    expect(problem(null)).to.match(/got null$/);
    expect(problem(true)).to.match(/got boolean true$/);
    expect(problem({ count: 3 })).to.match(/got an object \(Object\)$/);
    const fold = thrown(() => new Scheduler([], untyped({ label: 's', fold: 'yes' })));
    expect(fold)
      .to.be.instanceOf(ConfigError)
      .with.property('message', 'scheduler "s": fold must be true or false, got "yes"');
    // a field set later is checked when a run starts
    const later = new Scheduler([succeeds('a')], { label: 'later' });
    later.maxFailures = '1/3' as MaxFailures;
    const e = await rejection(later.orchestrate());
    expect(e).to.be.instanceOf(ConfigError).with.property('field', 'maxFailures');
  });

  it('a budgeted scheduler nested in a budgeted one: an inner stop is one failure of the outer', async () => {
    const inner = new Scheduler([fails('i1'), fails('i2')], {
      label: 'inner',
      maxFailures: 1,
      jobsWindow: 1,
    });
    const outer = new Scheduler([inner, fails('o1'), succeeds('o2')], { label: 'outer', maxFailures: 2 });
    const events = await failedEvents(outer.run());
    expect(events.get('i1')).to.include({ tolerated: true });
    expect(events.get('i2')).to.include({ critical: true });
    expect(events.get('inner')).to.include({ critical: false, tolerated: true });
    expect(inner.isTolerated()).to.equal(true);
    expect(outer.why()).to.equal('fine: every job completed (2 failed, tolerated by maxFailures 2)');
    expect(inner.why()).to.match(/^2 of 2 members failed, more than maxFailures 1: "i2"/);
  });

  it('100,000 members, every tenth failing, under a budget; a 100,000-job chain stopped by one: no stack growth', async function () {
    this.timeout(60_000);
    const n = 100_000;
    // synchronous work; a failure costs two Errors (the one raised, the JobFailedError), so one in ten fails
    const work = (i: number) => () => (i % 10 === 9 ? throwError(() => new Error('x')) : of(i));
    const all: Job[] = [];
    for (let i = 0; i < n; i++) all.push(new Job(work(i)));
    const wide = new Scheduler(all, { maxFailures: '10%' });
    expect(await wide.orchestrate()).to.equal(true);
    expect(wide.failureBudget()).to.deep.equal({
      maxFailures: '10%',
      budget: n / 10,
      failed: n / 10,
      tolerated: n / 10,
      ignored: 0,
    });
    const chain: Job[] = [];
    for (let i = 0; i < n; i++) chain.push(new Job(work(i), { requires: chain[i - 1] }));
    // the 5,001st failure is job 50,009
    const long = new Scheduler(chain, { maxFailures: 5000 });
    const events = await lastValueFrom(long.run().pipe(toArray()));
    expect(events.filter((e) => e.type === 'failed')).to.have.length(5001);
    expect(events.at(-1)).to.include({ type: 'end', ok: false, reason: 'critical' });
    expect(chain[49_999]?.isTolerated()).to.equal(true);
    expect(chain[50_009]?.isTolerated()).to.equal(false);
    expect(chain[50_009]?.status).to.equal('failed');
    expect(chain[50_010]?.status).to.equal('idle');
    expect(long.why()).to.match(
      /^5001 of 100000 members failed, more than maxFailures 5000: "job#\d+" failed: Error: x$/,
    );
  });
});
