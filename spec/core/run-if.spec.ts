import { expect } from 'chai';
import { lastValueFrom, map, NEVER, of, throwError, timer, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';

import { ConfigError, Job, RunIf, Scheduler } from '../../lib/index.js';
import type { JobOptions, SchedulerEvent } from '../../lib/index.js';
import { rejection } from '../helpers/errors.js';
import { createTestScheduler } from '../helpers/marbles.js';

/** One event as a short string, with what the trigger rules add: `c:skipped[](one-failed)`, `k:skipped[a]`. */
const describe1 = (e: SchedulerEvent): string => {
  switch (e.type) {
    case 'skipped':
      return `${e.job.label}:skipped[${e.because.map((j) => j.label).join(',')}]${e.rule === undefined ? '' : `(${e.rule})`}`;
    case 'failed':
      return `${e.job.label}:failed${e.critical ? '!' : ''}`;
    case 'done':
      return `${e.job.label}:done`;
    case 'cancelled':
      return `${e.job.label}:cancelled(${e.reason})`;
    case 'end':
      return `end:${e.scheduler.label}:${String(e.ok)}`;
    case 'started':
    case 'value':
      return `${e.job.label}:${e.type}`;
  }
};

/** Every event but values, as `frame description`, in virtual time (unsubscribing at `unsubscribeAt`). */
const timeline = (
  ts: TestScheduler,
  events$: Observable<SchedulerEvent>,
  unsubscribeAt?: number,
): string[] => {
  const log: string[] = [];
  const subscription = events$.subscribe({
    next: (e) => {
      if (e.type !== 'value') log.push(`${String(ts.now())} ${describe1(e)}`);
    },
    error: (e: unknown) =>
      log.push(`${String(ts.now())} error ${e instanceof Error ? e.message : String(e)}`),
    complete: () => log.push(`${String(ts.now())} complete`),
  });
  if (unsubscribeAt !== undefined)
    ts.schedule(() => {
      subscription.unsubscribe();
    }, unsubscribeAt);
  ts.flush();
  return log;
};

const job = (label: string, work: Observable<unknown>, options: JobOptions = {}): Job =>
  new Job(() => work, { label, ...options });

describe('runIf always and one-failed', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = createTestScheduler();
  });

  describe('one-failed', () => {
    it('runs once every requirement has settled, when one failed', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const work = cold('-r|');
        const boom = job('boom', cold('--#'));
        const slow = job('slow', cold('-----s|'));
        const rescue = job('rescue', work, { requires: [boom, slow], runIf: 'one-failed' });
        const main = new Scheduler([boom, slow, rescue], { label: 'main' });
        expect(timeline(ts, main.run())).to.deep.equal([
          '0 boom:started',
          '0 slow:started',
          '2 boom:failed',
          '6 slow:done',
          '6 rescue:started',
          '8 rescue:done',
          '8 end:main:true',
          '8 complete',
        ]);
        expectSubscriptions(work.subscriptions).toBe('------^-!');
      });
    });

    it('is skipped when none failed, a skipped requirement not counting; the event says the rule', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const work = cold('-r|');
        const boom = job('boom', cold('--#'));
        const careful = job('careful', cold('-c|'), { requires: boom, runIf: 'all-success' });
        const fine = job('fine', cold('---f|'));
        const rescue = job('rescue', work, { requires: [careful, fine], runIf: 'one-failed' });
        const after = job('after', cold('-a|'), { requires: rescue, runIf: 'all-success' });
        const main = new Scheduler([boom, careful, fine, rescue, after], { label: 'main' });
        const events: SchedulerEvent[] = [];
        main.run().subscribe({ next: (e) => events.push(e), error: (e: unknown) => expect.fail(String(e)) });
        ts.flush();
        const outcomes = events.filter((e) => e.type !== 'started' && e.type !== 'value');
        expect(outcomes.map(describe1)).to.deep.equal([
          'boom:failed',
          'careful:skipped[boom]',
          'fine:done',
          'rescue:skipped[](one-failed)',
          'after:skipped[rescue]',
          'end:main:true',
        ]);
        expect(events.find((e) => e.type === 'skipped' && e.job === careful)).to.not.have.property('rule');
        expectSubscriptions(work.subscriptions).toBe([]);
        expect(rescue.outcome()).to.deep.equal({ status: 'skipped', because: [] });
        expect(main.why()).to.equal('fine: every job completed (1 failed, not critical; 3 skipped)');
      });
    });

    it('is a ConfigError naming the job when it has no requirement, before anything runs', async () => {
      expect([RunIf.Always, RunIf.OneFailed]).to.deep.equal(['always', 'one-failed']);
      let calls = 0;
      const first = new Job(() => of(++calls), { label: 'first' });
      const lonely = new Job(() => of(1), { label: 'lonely', runIf: 'one-failed' });
      const main = new Scheduler([first, new Scheduler([lonely], { label: 'inner' })], { label: 'main' });
      const e = await rejection(main.orchestrate());
      expect(e).to.be.instanceOf(ConfigError);
      expect((e as ConfigError).message).to.equal(
        'job "lonely": runIf \'one-failed\' needs a requirement (the job runs when one of its requirements ' +
          "failed): add requires, or use runIf 'always'",
      );
      expect(calls).to.equal(0);
      lonely.requires(first);
      expect(await new Scheduler([first, lonely]).orchestrate()).to.equal(true);
      expect(lonely.isSkipped()).to.equal(true);
    });
  });

  describe('always', () => {
    it('is all-done in a run that goes on', () => {
      ts.run(({ cold }) => {
        const boom = job('boom', cold('--#'));
        const report = job('report', cold('-r|'), { requires: boom, runIf: 'always' });
        const main = new Scheduler([boom, report], { label: 'main' });
        expect(timeline(ts, main.run())).to.deep.equal([
          '0 boom:started',
          '2 boom:failed',
          '2 report:started',
          '4 report:done',
          '4 end:main:true',
          '4 complete',
        ]);
      });
    });

    it('runs after a critical failure: after the cancelled events, before the shutdown and the end', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const cleanWork = cold('---c|');
        const hook = cold('--|');
        const boom = job('boom', cold('--#'), { critical: true });
        const running = job('running', NEVER, { shutdown: () => hook });
        const early = job('early', cold('e|'), { runIf: 'always' });
        const clean = job('clean', cleanWork, { requires: [boom, running], runIf: 'always' });
        const rescue = job('rescue', cold('-r|'), { requires: boom, runIf: 'one-failed' });
        const notYet = job('notYet', cold('-n|'), { requires: running });
        const unrelated = job('unrelated', cold('-u|'), { requires: notYet, runIf: 'one-failed' });
        const main = new Scheduler([boom, running, early, clean, rescue, notYet, unrelated], {
          label: 'main',
        });
        expect(timeline(ts, main.run())).to.deep.equal([
          '0 boom:started',
          '0 running:started',
          '0 early:started',
          '1 early:done',
          '2 boom:failed!',
          '2 running:cancelled(critical)',
          '2 clean:started',
          '2 rescue:started',
          '4 rescue:done',
          '6 clean:done',
          '8 end:main:false',
          '8 complete',
        ]);
        expectSubscriptions(cleanWork.subscriptions).toBe('--^---!');
        expectSubscriptions(hook.subscriptions).toBe('------^-!');
        expect(main.why()).to.equal('critical job "boom" failed: error');
        expect([notYet.status, unrelated.status, early.status]).to.deep.equal(['idle', 'idle', 'done']);
      });
    });

    it('runs after a critical failure in orchestrate() too, which resolves false once it is over; not a forever job', async () => {
      const log: string[] = [];
      const boom = new Job(() => throwError(() => new Error('boom')), { label: 'boom', critical: true });
      const clean = new Job(() => timer(5).pipe(map(() => log.push('clean'))), {
        label: 'clean',
        requires: boom,
        runIf: 'always',
      });
      const monitor = new Job(() => NEVER, {
        label: 'monitor',
        requires: boom,
        runIf: 'always',
        forever: true,
      });
      const main = new Scheduler([boom, clean, monitor], { label: 'main' });
      expect(await main.orchestrate()).to.equal(false);
      expect(log).to.deep.equal(['clean']);
      expect([clean.status, monitor.status]).to.deep.equal(['done', 'idle']);
    });

    it('runs after the run’s timeout; a one-failed job whose requirement was cancelled runs too', () => {
      ts.run(({ cold }) => {
        const slow = job('slow', cold('100ms s|'));
        const waiting = job('waiting', cold('-w|'), { requires: slow, runIf: 'always' });
        const rescue = job('rescue', cold('--r|'), { requires: slow, runIf: 'one-failed' });
        const main = new Scheduler([slow, waiting, rescue], { label: 'main', timeout: 10 });
        expect(timeline(ts, main.run())).to.deep.equal([
          '0 slow:started',
          '10 slow:cancelled(timeout)',
          '10 waiting:started',
          '10 rescue:started',
          '12 waiting:done',
          '13 rescue:done',
          '13 end:main:false',
          '13 complete',
        ]);
        expect(main.why()).to.equal('timed out after 10 ms');
      });
    });

    it('does not run after an unsubscribe', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const cleanWork = cold('-c|');
        const slow = job('slow', cold('100ms s|'));
        const main = new Scheduler([slow, job('clean', cleanWork, { requires: slow, runIf: 'always' })]);
        expect(timeline(ts, main.run(), 5)).to.deep.equal(['0 slow:started']);
        expectSubscriptions(cleanWork.subscriptions).toBe([]);
      });
    });

    it('does not run after an abort signal', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const cleanWork = cold('-c|');
        const slow = job('slow', cold('100ms s|'));
        const main = new Scheduler([slow, job('clean', cleanWork, { requires: slow, runIf: 'always' })], {
          label: 'main',
        });
        const controller = new AbortController();
        ts.schedule(() => {
          controller.abort();
        }, 10);
        expect(timeline(ts, main.run({ signal: controller.signal }))).to.deep.equal([
          '0 slow:started',
          '10 slow:cancelled(aborted)',
          '10 end:main:false',
          '10 complete',
        ]);
        expectSubscriptions(cleanWork.subscriptions).toBe([]);
      });
    });

    it('does not run in a nested scheduler that its parent cancels (the parent’s cleanup runs)', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const innerClean = cold('-i|');
        const innerLast = cold('-l|');
        const nested = new Scheduler([], { label: 'nested' });
        const innerSlow = job('innerSlow', cold('100ms s|'), { scheduler: nested });
        job('innerClean', innerClean, { runIf: 'always', scheduler: nested });
        job('innerLast', innerLast, { requires: innerSlow, runIf: 'always', scheduler: nested });
        const boom = job('boom', cold('---#'), { critical: true });
        const outer = job('outer', cold('-o|'), { requires: boom, runIf: 'always' });
        const parent = new Scheduler([boom, nested, outer], { label: 'parent' });
        expect(timeline(ts, parent.run()).filter((e) => !e.includes(':started'))).to.deep.equal([
          '2 innerClean:done',
          '3 boom:failed!',
          '3 nested:cancelled(critical)',
          '3 innerSlow:cancelled(parent)',
          '5 outer:done',
          '5 end:parent:false',
          '5 complete',
        ]);
        expectSubscriptions(innerClean.subscriptions).toBe('^-!');
        expectSubscriptions(innerLast.subscriptions).toBe([]);
      });
    });

    it('a nested scheduler that times out cleans up itself, and its parent goes on', () => {
      ts.run(({ cold }) => {
        const nested = new Scheduler([], { label: 'nested', timeout: 5 });
        const innerSlow = job('innerSlow', cold('100ms s|'), { scheduler: nested });
        job('innerClean', cold('-i|'), { requires: innerSlow, runIf: 'always', scheduler: nested });
        const next = job('next', cold('-n|'), { requires: nested });
        const parent = new Scheduler([nested, next], { label: 'parent' });
        expect(timeline(ts, parent.run()).filter((e) => !e.includes(':started'))).to.deep.equal([
          '5 innerSlow:cancelled(timeout)',
          '7 innerClean:done',
          '7 end:nested:false',
          '7 nested:failed',
          '9 next:done',
          '9 end:parent:true',
          '9 complete',
        ]);
      });
    });

    it('runs after a failure beyond maxFailures; its own failures do not count against the budget', () => {
      ts.run(({ cold }) => {
        const f1 = job('f1', cold('-#'));
        const f2 = job('f2', cold('--#'));
        const clean = job('clean', cold('-#'), { requires: [f1, f2], runIf: 'always' });
        const main = new Scheduler([f1, f2, clean], { label: 'main', maxFailures: 1 });
        const events: SchedulerEvent[] = [];
        main.run().subscribe({ next: (e) => events.push(e), error: (e: unknown) => expect.fail(String(e)) });
        ts.flush();
        const failed = events.flatMap((e) =>
          e.type === 'failed' ? [`${e.job.label}${e.critical ? '!' : ''}${e.tolerated ? '~' : ''}`] : [],
        );
        expect(failed).to.deep.equal(['f1~', 'f2!', 'clean']);
        expect(main.failureBudget()).to.deep.include({ failed: 2, tolerated: 1 });
        const end = events.at(-1);
        expect(end?.type === 'end' && end.why).to.equal(main.why());
      });
    });

    it('chains: an always job that requires another waits for it; a one-failed one runs when it failed', () => {
      ts.run(({ cold }) => {
        const boom = job('boom', cold('-#'), { critical: true });
        const stop = job('stop', cold('--#'), { requires: boom, runIf: 'always' });
        const save = job('save', cold('-s|'), { requires: stop, runIf: 'always' });
        const alarm = job('alarm', cold('-a|'), { requires: stop, runIf: 'one-failed' });
        const fine = job('fine', cold('-f|'), { requires: save, runIf: 'one-failed' });
        const main = new Scheduler([boom, stop, save, alarm, fine], { label: 'main' });
        expect(timeline(ts, main.run())).to.deep.equal([
          '0 boom:started',
          '1 boom:failed!',
          '1 stop:started',
          '3 stop:failed',
          '3 save:started',
          '3 alarm:started',
          '5 save:done',
          '5 fine:skipped[](one-failed)',
          '5 alarm:done',
          '5 end:main:false',
          '5 complete',
        ]);
      });
    });

    it('retries a cleanup job with retries', () => {
      ts.run(({ cold }) => {
        const attempts = [cold('-#', {}, new Error('flaky')), cold('-c|')];
        let calls = 0;
        const boom = job('boom', cold('-#'), { critical: true });
        const clean = new Job(() => attempts[calls++] ?? of('extra'), {
          label: 'clean',
          requires: boom,
          runIf: 'always',
          retries: { count: 2, delay: 3 },
        });
        const main = new Scheduler([boom, clean], { label: 'main' });
        expect(timeline(ts, main.run())).to.deep.equal([
          '0 boom:started',
          '1 boom:failed!',
          '1 clean:started',
          '5 clean:started',
          '7 clean:done',
          '7 end:main:false',
          '7 complete',
        ]);
        expect(calls).to.equal(2);
      });
    });

    it('runs the cleanup jobs in the scheduler’s window', () => {
      ts.run(({ cold }) => {
        const running = job('running', NEVER);
        const boom = job('boom', cold('-#'), { critical: true });
        const cleanups = ['c1', 'c2', 'c3'].map((l) =>
          job(l, cold('--x|'), { requires: boom, runIf: 'always' }),
        );
        const main = new Scheduler([running, boom, ...cleanups], { label: 'main', jobsWindow: 2 });
        expect(timeline(ts, main.run())).to.deep.equal([
          '0 running:started',
          '0 boom:started',
          '1 boom:failed!',
          '1 running:cancelled(critical)',
          '1 c1:started',
          '1 c2:started',
          '4 c1:done',
          '4 c3:started',
          '4 c2:done',
          '7 c3:done',
          '7 end:main:false',
          '7 complete',
        ]);
      });
    });

    it('is bounded by cleanupTimeout (default: ten times shutdownTimeout), which cancels what still runs', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const hang = cold('1000ms h|');
        const boom = job('boom', cold('-#'), { critical: true });
        const cleanup = job('cleanup', hang, { requires: boom, runIf: 'always' });
        const quick = job('quick', cold('-q|'), { requires: boom, runIf: 'always' });
        const main = new Scheduler([boom, cleanup, quick], { label: 'main', cleanupTimeout: 20 });
        expect(timeline(ts, main.run()).filter((e) => !e.includes(':started'))).to.deep.equal([
          '1 boom:failed!',
          '3 quick:done',
          '21 cleanup:cancelled(timeout)',
          '21 end:main:false',
          '21 complete',
        ]);
        expect(cleanup.isCancelled()).to.equal(true);
        main.cleanupTimeout = undefined;
        main.shutdownTimeout = 3;
        expect(timeline(ts, main.run()).filter((e) => !e.includes(':started'))).to.deep.equal([
          '22 boom:failed!',
          '24 quick:done',
          '52 cleanup:cancelled(timeout)',
          '52 end:main:false',
          '52 complete',
        ]);
        expectSubscriptions(hang.subscriptions).toBe(['-^ 19ms !', '22ms ^ 29ms !']);
      });
    });

    it('runs a nested scheduler as a cleanup job; cleanupTimeout cancels it with its jobs', () => {
      ts.run(({ cold }) => {
        const boom = job('boom', cold('-#'), { critical: true });
        const teardown = new Scheduler([job('quick', cold('-q|')), job('stuck', cold('100ms s|'))], {
          label: 'teardown',
          requires: boom,
          runIf: 'always',
        });
        const main = new Scheduler([boom, teardown], { label: 'main', cleanupTimeout: 10 });
        expect(timeline(ts, main.run())).to.deep.equal([
          '0 boom:started',
          '1 boom:failed!',
          '1 teardown:started',
          '1 quick:started',
          '1 stuck:started',
          '3 quick:done',
          '11 teardown:cancelled(timeout)',
          '11 stuck:cancelled(parent)',
          '11 end:main:false',
          '11 complete',
        ]);
      });
    });

    it('an abort signal during the cleanup phase cancels the cleanup jobs', () => {
      ts.run(({ cold }) => {
        const controller = new AbortController();
        const boom = job('boom', cold('-#'), { critical: true });
        const cleanup = job('cleanup', cold('100ms c|'), { requires: boom, runIf: 'always' });
        const main = new Scheduler([boom, cleanup], { label: 'main' });
        ts.schedule(() => {
          controller.abort();
        }, 5);
        expect(timeline(ts, main.run({ signal: controller.signal }))).to.deep.equal([
          '0 boom:started',
          '1 boom:failed!',
          '1 cleanup:started',
          '5 cleanup:cancelled(aborted)',
          '5 end:main:false',
          '5 complete',
        ]);
      });
    });

    it('refuses a bad cleanupTimeout, naming the scheduler', () => {
      expect(() => new Scheduler([], { label: 's', cleanupTimeout: -1 })).to.throw(
        ConfigError,
        'scheduler "s": cleanupTimeout must be a duration in milliseconds, 0 or more',
      );
    });
  });

  describe('_skipIf (for subclasses)', () => {
    /** A job skipped because of the jobs `reasons()` returns. */
    class Guarded extends Job {
      readonly reasons: () => readonly Job[] | undefined;
      constructor(
        work: () => Observable<unknown>,
        options: JobOptions,
        reasons: () => readonly Job[] | undefined,
      ) {
        super(work, options);
        this.reasons = reasons;
      }
      override _skipIf(): readonly Job[] | undefined {
        return this.reasons();
      }
    }

    it('skips a job with `because` the jobs it returns, when its requirements let it run', async () => {
      const log: string[] = [];
      const a = new Job(() => of('a'), { label: 'a' });
      const blocked = new Guarded(
        () => of(log.push('blocked')),
        { label: 'blocked', requires: a },
        () => [a],
      );
      const root = new Guarded(
        () => of(log.push('root')),
        { label: 'root' },
        () => [a],
      );
      const open = new Guarded(
        () => of(log.push('open')),
        { label: 'open', requires: a },
        () => [],
      );
      const after = new Job(() => of(log.push('after')), {
        label: 'after',
        requires: blocked,
        runIf: 'all-success',
      });
      const main = new Scheduler([a, blocked, root, open, after], { label: 'main' });
      const events = await lastValueFrom(main.run().pipe(toArray()));
      expect(events.filter((e) => e.type === 'skipped').map(describe1)).to.deep.equal([
        'root:skipped[a]',
        'blocked:skipped[a]',
        'after:skipped[blocked]',
      ]);
      expect(log).to.deep.equal(['open']);
      expect(blocked.outcome()).to.deep.equal({ status: 'skipped', because: [a] });
      expect(main.why()).to.equal('fine: every job completed (3 skipped)');
    });
  });
});
