import { expect } from 'chai';
import { lastValueFrom, Observable, of, take, toArray } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';

import { ConfigError, isJobsError, Job, retryDelay, Scheduler } from '../../lib/index.js';
import type { JobOptions, SchedulerEvent } from '../../lib/index.js';
import { rejection, thrown } from '../helpers/errors.js';
import { createTestScheduler } from '../helpers/marbles.js';

/** One event as a short string, with what retries add: `a:started#2(boom)` (the cause), `a:failed!×3`. */
const describe1 = (e: SchedulerEvent): string => {
  switch (e.type) {
    case 'started':
      return e.attempt === undefined
        ? `${e.job.label}:started`
        : `${e.job.label}:started#${String(e.attempt)}(${(e.previousError?.message ?? '?').replace(/^job "[^"]*" failed: (Error: )?/, '')})`;
    case 'failed':
      return `${e.job.label}:failed${e.critical ? '!' : ''}${e.attempts === undefined ? '' : `×${String(e.attempts)}`}`;
    case 'done':
      return `${e.job.label}:done=${String(e.value)}`;
    case 'cancelled':
      return `${e.job.label}:cancelled(${e.reason})`;
    case 'end':
      return `end:${String(e.ok)}`;
    case 'value':
    case 'skipped':
      return `${e.job.label}:${e.type}`;
  }
};

/** Every event as `frame description`, in virtual time (unsubscribing at `unsubscribeAt` if given). */
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
    error: (e: unknown) => log.push(`${String(ts.now())} error ${String(e)}`),
    complete: () => log.push(`${String(ts.now())} complete`),
  });
  if (unsubscribeAt !== undefined)
    ts.schedule(() => {
      subscription.unsubscribe();
    }, unsubscribeAt);
  ts.flush();
  return log;
};

/** A job whose attempt n (from 1) runs `attempts[n - 1]`, counting the calls. */
const flaky = (label: string, attempts: readonly Observable<string>[], options: JobOptions) => {
  const calls = { count: 0 };
  const job = new Job(() => attempts[calls.count++] ?? of('extra'), { label, ...options });
  return { job, calls };
};

describe('retries', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = createTestScheduler();
  });

  it('retryDelay: delay × backoff^(attempt - 1), capped by maxDelay; defaults 1 s, ×2, 60 s', () => {
    expect(
      [1, 2, 3, 4].map((n) => retryDelay({ count: 5, delay: 10, backoff: 2, maxDelay: 25 }, n)),
    ).to.deep.equal([10, 20, 25, 25]);
    expect([1, 2, 3, 7, 8].map((n) => retryDelay(9, n))).to.deep.equal([1000, 2000, 4000, 60_000, 60_000]);
    expect([1, 5].map((n) => retryDelay({ count: 1, delay: 5, backoff: 1 }, n))).to.deep.equal([5, 5]);
  });

  it('tries again after a failure, after the delay: 2 failures then done, each attempt with its own started event', () => {
    ts.run(({ cold, expectSubscriptions }) => {
      const attempts = [cold('--#', {}, new Error('one')), cold('--#', {}, new Error('two')), cold('--a|')];
      const { job: a, calls } = flaky('a', attempts, { retries: { count: 3, delay: 10, backoff: 2 } });
      const main = new Scheduler([a], { label: 'main' });
      expect(timeline(ts, main.run())).to.deep.equal([
        '0 a:started',
        '12 a:started#2(one)',
        '34 a:started#3(two)',
        '37 a:done=a',
        '37 end:true',
        '37 complete',
      ]);
      expect(calls.count).to.equal(3);
      expectSubscriptions(attempts[0]?.subscriptions ?? []).toBe('^-!');
      expectSubscriptions(attempts[1]?.subscriptions ?? []).toBe('12ms ^-!');
      expectSubscriptions(attempts[2]?.subscriptions ?? []).toBe('34ms ^--!');
      expect(a.status).to.equal('done');
      expect(main.why()).to.match(/^fine/);
    });
  });

  it('backs off up to maxDelay; a critical job aborts its scheduler only once its last attempt failed', () => {
    ts.run(({ cold, expectSubscriptions }) => {
      const boom = new Error('boom');
      const attempts = [1, 2, 3, 4].map(() => cold('--#', {}, boom));
      const { job: a, calls } = flaky('a', attempts, {
        critical: true,
        retries: { count: 3, delay: 10, backoff: 2, maxDelay: 25 },
      });
      const b$ = cold(`${'-'.repeat(100)}b|`);
      const b = new Job(() => b$, { label: 'b' });
      const main = new Scheduler([a, b], { label: 'main' });
      // attempts at 0, 2 + 10, 14 + 20, 36 + 25 (capped); the last fails at 63
      expect(timeline(ts, main.run())).to.deep.equal([
        '0 a:started',
        '0 b:started',
        '12 a:started#2(boom)',
        '34 a:started#3(boom)',
        '61 a:started#4(boom)',
        '63 a:failed!×4',
        '63 b:cancelled(critical)',
        '63 end:false',
        '63 complete',
      ]);
      expect(calls.count).to.equal(4);
      expectSubscriptions(b$.subscriptions).toBe('^ 62ms !');
      expect(a.status).to.equal('failed');
    });
  });

  it('fails without `attempts` when no retry is left to make (retries: 0)', () => {
    ts.run(({ cold }) => {
      const { job: a, calls } = flaky('a', [cold('--#')], { retries: 0 });
      expect(timeline(ts, new Scheduler([a]).run())).to.deep.equal([
        '0 a:started',
        '2 a:failed',
        '2 end:true',
        '2 complete',
      ]);
      expect(calls.count).to.equal(1);
    });
  });

  it('keeps its window slot while it waits: a later job does not overtake it', () => {
    ts.run(({ cold }) => {
      const { job: a } = flaky('a', [cold('--#'), cold('-a|')], { retries: { count: 1, delay: 5 } });
      const b = new Job(() => cold('-b|'), { label: 'b' });
      const main = new Scheduler([a, b], { label: 'main', jobsWindow: 1 });
      expect(timeline(ts, main.run())).to.deep.equal([
        '0 a:started',
        '7 a:started#2(error)',
        '9 a:done=a',
        '9 b:started',
        '11 b:done=b',
        '11 end:true',
        '11 complete',
      ]);
    });
  });

  describe('a job cancelled while it waits is cancelled, never tried again', () => {
    const waiting = () => flaky('a', [cold0('--#'), cold0('-a|')], { retries: { count: 3, delay: 10 } });
    let cold0: (marbles: string) => Observable<string>;

    it('by its subscriber leaving', () => {
      ts.run(({ cold }) => {
        cold0 = cold;
        const { job: a, calls } = waiting();
        expect(timeline(ts, new Scheduler([a]).run(), 7)).to.deep.equal(['0 a:started']);
        expect(calls.count).to.equal(1);
        expect(a.status).to.equal('cancelled');
      });
    });

    it('by a critical sibling failing', () => {
      ts.run(({ cold }) => {
        cold0 = cold;
        const { job: a, calls } = waiting();
        const b = new Job(() => cold('-----#'), { label: 'b', critical: true });
        expect(timeline(ts, new Scheduler([a, b]).run())).to.deep.equal([
          '0 a:started',
          '0 b:started',
          '5 b:failed!',
          '5 a:cancelled(critical)',
          '5 end:false',
          '5 complete',
        ]);
        expect(calls.count).to.equal(1);
        expect(a.status).to.equal('cancelled');
      });
    });

    it('by the scheduler’s timeout', () => {
      ts.run(({ cold }) => {
        cold0 = cold;
        const { job: a, calls } = waiting();
        expect(timeline(ts, new Scheduler([a], { timeout: 6 }).run())).to.deep.equal([
          '0 a:started',
          '6 a:cancelled(timeout)',
          '6 end:false',
          '6 complete',
        ]);
        expect(calls.count).to.equal(1);
        expect(a.status).to.equal('cancelled');
      });
    });
  });

  it('calls the work no more when the subscriber leaves on the started event of a retry', () => {
    ts.run(({ cold }) => {
      const { job: a, calls } = flaky('a', [cold('--#'), cold('-a|')], { retries: { count: 1, delay: 3 } });
      expect(timeline(ts, new Scheduler([a]).run().pipe(take(2)))).to.deep.equal([
        '0 a:started',
        '5 a:started#2(error)',
        '5 complete',
      ]);
      expect(calls.count).to.equal(1);
      expect(a.status).to.equal('cancelled');
    });
  });

  it('retries only the failures retryIf accepts; a retryIf that throws fails the job with what it threw', () => {
    ts.run(({ cold }) => {
      const seen: string[] = [];
      const { job: a, calls } = flaky(
        'a',
        [cold('-#', {}, new Error('flaky')), cold('-#', {}, new Error('fatal'))],
        {
          retries: {
            count: 5,
            delay: 2,
            retryIf: (error, attempt) => {
              seen.push(`${String(attempt)} ${error.message}`);
              return !error.message.includes('fatal');
            },
          },
        },
      );
      const broken = new Error('retryIf is broken');
      const { job: b } = flaky('b', [cold('-#')], {
        retries: {
          count: 5,
          retryIf: () => {
            throw broken;
          },
        },
      });
      expect(timeline(ts, new Scheduler([a, b]).run())).to.deep.equal([
        '0 a:started',
        '0 b:started',
        '1 b:failed',
        '3 a:started#2(flaky)',
        '4 a:failed×2',
        '4 end:true',
        '4 complete',
      ]);
      expect(calls.count).to.equal(2);
      expect(seen).to.deep.equal(['1 job "a" failed: Error: flaky', '2 job "a" failed: Error: fatal']);
      expect(b.outcome()).to.deep.include({ status: 'failed' });
      expect((b.outcome() as { error: Error }).error.message).to.include('retryIf is broken');
    });
  });

  it('applies `timeout` to each attempt; each attempt gets its own signal', () => {
    ts.run(({ cold }) => {
      const signals: AbortSignal[] = [];
      const attempts = [cold('--------x|'), cold('--a|')];
      let n = 0;
      const a = new Job(
        ({ signal }) => {
          signals.push(signal);
          return attempts[n++] as Observable<string>;
        },
        { label: 'a', timeout: 5, retries: { count: 1, delay: 10 } },
      );
      expect(timeline(ts, new Scheduler([a]).run())).to.deep.equal([
        '0 a:started',
        '15 a:started#2(job "a" timed out after 5 ms and was cancelled)',
        '18 a:done=a',
        '18 end:true',
        '18 complete',
      ]);
      expect(signals.map((s) => s.aborted)).to.deep.equal([true, false]);
    });
  });

  it('retries Promise work, and work that throws when called', async () => {
    let calls = 0;
    const a = new Job(
      async () => {
        calls++;
        if (calls === 1) throw new Error('rejected');
        await Promise.resolve();
        return 'ok';
      },
      { label: 'a', retries: { count: 2, delay: 1 } },
    );
    let thrownCalls = 0;
    const b = new Job<string>(
      () => {
        if (++thrownCalls < 3) throw new Error(`throw ${String(thrownCalls)}`);
        return of('fine');
      },
      { label: 'b', retries: { count: 2, delay: 1 } },
    );
    const events = await lastValueFrom(new Scheduler([a, b]).run().pipe(toArray()));
    const described = events.filter((e) => e.type !== 'value').map(describe1);
    expect(described.filter((d) => d.startsWith('a:'))).to.deep.equal([
      'a:started',
      'a:started#2(rejected)',
      'a:done=ok',
    ]);
    expect(described.filter((d) => d.startsWith('b:'))).to.deep.equal([
      'b:started',
      'b:started#2(throw 1)',
      'b:started#3(throw 2)',
      'b:done=fine',
    ]);
    expect([calls, thrownCalls]).to.deep.equal([2, 3]);
  });

  it('refuses bad values, naming the job and the field, at construction and at run time', async () => {
    const cases: [unknown, string, RegExp][] = [
      [-1, 'retries', /must be a count of retries/],
      [1.5, 'retries', /must be a count of retries.*got number 1\.5/],
      ['3', 'retries', /got string "3"/],
      [{ delay: 10 }, 'retries.count', /must be an integer, 0 or more, got undefined/],
      [{ count: -2 }, 'retries.count', /got number -2/],
      [{ count: 1, delay: Number.NaN }, 'retries.delay', /duration in milliseconds.*got number NaN/],
      [{ count: 1, maxDelay: -1 }, 'retries.maxDelay', /got number -1/],
      [{ count: 1, backoff: 0.5 }, 'retries.backoff', /a number, 1 or more, got number 0\.5/],
      [
        { count: 1, jitter: true },
        'retries.jitter',
        /is not a retry option: use count, delay, backoff, maxDelay or retryIf/,
      ],
      [
        { count: 1, retryIf: true },
        'retries.retryIf',
        /must be a function \(error, attempt\) => boolean, got boolean true/,
      ],
    ];
    for (const [retries, field, message] of cases) {
      const e = thrown(() => new Job(of(1), { label: 'j', retries } as JobOptions));
      expect(e, JSON.stringify(retries)).to.be.instanceOf(ConfigError);
      expect(isJobsError(e, 'config') && [e.subject, e.field]).to.deep.equal(['job "j"', field]);
      expect((e as Error).message).to.match(message);
      const job = new Job(of(1), { label: 'j' });
      job.retries = retries as JobOptions['retries'];
      const e2 = await rejection(new Scheduler([job]).orchestrate());
      expect(isJobsError(e2, 'config') && e2.field).to.equal(field);
    }
  });

  it('refuses retries on a scheduler', () => {
    const e = thrown(() => new Scheduler([], { label: 's', retries: 2 } as object));
    expect((e as Error).message).to.equal(
      'scheduler "s": retries is for jobs, not schedulers (a scheduler is not run again): set retries on its jobs',
    );
  });
});
