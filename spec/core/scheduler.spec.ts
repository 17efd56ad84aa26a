import { expect } from 'chai';
import { concat, defer, lastValueFrom, Observable, of, take, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';

import { Job, JobTimeoutError, Scheduler, Sequence } from '../../lib/index.js';
import { job } from '../helpers/jobs.js';
import { createTestScheduler, outcomes, timeline } from '../helpers/marbles.js';

describe('Scheduler run() timing rules', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = createTestScheduler();
  });

  describe('requirements', () => {
    it('starts a job only once its requirements have completed, independent jobs at once', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('--x|');
        const b = cold('-y|');
        const c = cold('c----|');
        const ja = job('a', a);
        const scheduler = new Scheduler([ja, job('b', b, { requires: ja }), job('c', c)], { label: 'main' });
        expectObservable(outcomes(scheduler.run())).toBe('---A-(CBE|)', {
          A: 'a:done=x',
          B: 'b:done=y',
          C: 'c:done=c',
          E: 'end:main:true',
        });
        expectSubscriptions(a.subscriptions).toBe('^--!');
        expectSubscriptions(b.subscriptions).toBe('---^-!');
        expectSubscriptions(c.subscriptions).toBe('^----!');
      });
    });

    it('emits started, every value, then done; result() is the last value', () => {
      ts.run(({ cold }) => {
        const ja = job('a', cold('-1-2-3|'));
        const scheduler = new Scheduler([ja], { label: 'main' });
        expect(timeline(ts, scheduler.run())).to.deep.equal([
          '0 a:started',
          '1 a:value=1',
          '3 a:value=2',
          '5 a:value=3',
          '6 a:done=3',
          '6 end:main:true',
          '6 complete',
        ]);
        expect(ja.result()).to.equal('3');
        expect(ja.isDone()).to.equal(true);
      });
    });

    it('waits for every requirement of a diamond', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const top = job('top', cold('-t|'));
        const left = job('left', cold('--l|'), { requires: top });
        const rightWork = cold('-----r|');
        const right = job('right', rightWork, { requires: top });
        const bottomWork = cold('-b|');
        const bottom = job('bottom', bottomWork, { requires: [left, right] });
        const scheduler = new Scheduler([bottom, right, left, top], { label: 'main' });
        expect(timeline(ts, scheduler.run(), { only: 'outcomes' })).to.deep.equal([
          '2 top:done=t',
          '5 left:done=l',
          '8 right:done=r',
          '10 bottom:done=b',
          '10 end:main:true',
          '10 complete',
        ]);
        expectSubscriptions(rightWork.subscriptions).toBe('--^-----!');
        expectSubscriptions(bottomWork.subscriptions).toBe('--------^-!');
      });
    });

    it('accepts Sequences as members and chains them', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const a = cold('-a|');
        const b = cold('-b|');
        const c = cold('-c|');
        const scheduler = new Scheduler([new Sequence(job('a', a), job('b', b), job('c', c))]);
        expect(timeline(ts, scheduler.run(), { only: 'outcomes' }).slice(0, 3)).to.deep.equal([
          '2 a:done=a',
          '4 b:done=b',
          '6 c:done=c',
        ]);
        expectSubscriptions(c.subscriptions).toBe('----^-!');
      });
    });

    it('runs an empty scheduler to true at once', () => {
      ts.run(({ expectObservable }) => {
        expectObservable(outcomes(new Scheduler([], { label: 'empty' }).run())).toBe('(E|)', {
          E: 'end:empty:true',
        });
      });
    });
  });

  describe('forever', () => {
    it('cancels forever jobs once every other job is done (teardown runs)', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const f = cold('t-t-t-t-t-t-t-t|');
        const scheduler = new Scheduler([job('f', f, { forever: true }), job('w', cold('----w|'))], {
          label: 'main',
        });
        expectObservable(outcomes(scheduler.run())).toBe('-----(WFE|)', {
          W: 'w:done=w',
          F: 'f:cancelled(forever)',
          E: 'end:main:true',
        });
        expectSubscriptions(f.subscriptions).toBe('^----!');
      });
    });

    it('lets a forever job that completes on its own release its dependents', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const jf = job('f', cold('--f|'), { forever: true });
        const g = cold('-g|');
        const scheduler = new Scheduler([jf, job('g', g, { requires: jf }), job('h', cold('-------h|'))], {
          label: 'main',
        });
        expectObservable(outcomes(scheduler.run())).toBe('---F-G--(HE|)', {
          F: 'f:done=f',
          G: 'g:done=g',
          H: 'h:done=h',
          E: 'end:main:true',
        });
        expectSubscriptions(g.subscriptions).toBe('---^-!');
      });
    });

    it('runs a scheduler of forever jobs only until its timeout', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const f = cold('-t-t-t-t-t-t-t-t-t-t|');
        const scheduler = new Scheduler([job('f', f, { forever: true })], { label: 'main' });
        expectObservable(outcomes(scheduler.run({ timeout: 5 }))).toBe('-----(FE|)', {
          F: 'f:cancelled(timeout)',
          E: 'end:main:false',
        });
        expectSubscriptions(f.subscriptions).toBe('^----!');
      });
      expect(true).to.equal(true);
    });

    it('runs a scheduler of forever jobs until unsubscribed when nothing ends', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const f = cold('-t-t-t-t-t-t-t-t-t-t-t-t-t-t-t-t-t-t-t-t-t-t-t-t|');
        const scheduler = new Scheduler([job('f', f, { forever: true })]);
        expectObservable(outcomes(scheduler.run()), '^---------!').toBe('');
        expectSubscriptions(f.subscriptions).toBe('^---------!');
      });
    });

    it('ends a scheduler of forever jobs that all completed on their own', () => {
      ts.run(({ cold, expectObservable }) => {
        const scheduler = new Scheduler([job('f', cold('--f|'), { forever: true })], { label: 'main' });
        expectObservable(outcomes(scheduler.run())).toBe('---(FE|)', { F: 'f:done=f', E: 'end:main:true' });
      });
    });
  });

  describe('critical', () => {
    it('aborts on a critical failure: siblings torn down at once, dependents never started', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const boom = job('boom', cold('--#', undefined, new Error('boom')), { critical: true });
        const sibling = cold('------s|');
        const dependent = cold('-d|');
        const scheduler = new Scheduler(
          [boom, job('sibling', sibling), job('dependent', dependent, { requires: boom })],
          { label: 'main' },
        );
        expectObservable(outcomes(scheduler.run())).toBe('--(BSE|)', {
          B: 'boom:failed!',
          S: 'sibling:cancelled(critical)',
          E: 'end:main:false',
        });
        expectSubscriptions(sibling.subscriptions).toBe('^-!');
        expectSubscriptions(dependent.subscriptions).toBe([]);
      });
    });

    it('keeps the failure on the job and explains it in why()', async () => {
      const boom = new Job<string>(() => Promise.reject(new Error('disk full')), {
        label: 'boom',
        critical: true,
      });
      const dependent = new Job(() => of(1), { label: 'dependent', requires: boom });
      const scheduler = new Scheduler([boom, dependent]);
      expect(await scheduler.orchestrate()).to.equal(false);
      expect(scheduler.failedCritical()).to.equal(true);
      expect(scheduler.why()).to.equal('critical job "boom" failed: Error: disk full');
      expect((boom.raisedException() as Error).message).to.equal('disk full');
      expect(boom.isDone()).to.equal(true);
      expect(boom.result()).to.equal(undefined);
      expect(dependent.isIdle()).to.equal(true);
    });

    it('inherits critical from the scheduler when the job leaves it unset', () => {
      ts.run(({ cold, expectObservable }) => {
        const inherited = new Scheduler([job('boom', cold('-#')), job('long', cold('-----l|'))], {
          label: 'main',
          critical: true,
        });
        expectObservable(outcomes(inherited.run())).toBe('-(BLE|)', {
          B: 'boom:failed!',
          L: 'long:cancelled(critical)',
          E: 'end:main:false',
        });
      });
      ts = createTestScheduler();
      ts.run(({ cold, expectObservable }) => {
        const overridden = new Scheduler(
          [job('boom', cold('-#'), { critical: false }), job('long', cold('-----l|'))],
          { label: 'main', critical: true },
        );
        expectObservable(outcomes(overridden.run())).toBe('-B----(LE|)', {
          B: 'boom:failed',
          L: 'long:done=l',
          E: 'end:main:true',
        });
      });
    });
  });

  describe('non-critical failure and runIf', () => {
    it('records the failure and runs the dependents anyway (all-done, the default)', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const boom = job('boom', cold('--#'));
        const dependent = cold('-d|');
        const scheduler = new Scheduler(
          [boom, job('dependent', dependent, { requires: boom }), job('sibling', cold('------s|'))],
          { label: 'main' },
        );
        expectObservable(outcomes(scheduler.run())).toBe('--B-D--(SE|)', {
          B: 'boom:failed',
          D: 'dependent:done=d',
          S: 'sibling:done=s',
          E: 'end:main:true',
        });
        expectSubscriptions(dependent.subscriptions).toBe('--^-!');
      });
    });

    it('skips all-success dependents of a failure, in cascade; skips count as completed', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const boom = job('boom', cold('--#'));
        const kWork = cold('-k|');
        const lWork = cold('-l|');
        const zWork = cold('-z|');
        const k = job('k', kWork, { requires: boom, runIf: 'all-success' });
        const l = job('l', lWork, { requires: k, runIf: 'all-success' });
        const z = job('z', zWork, { requires: k });
        const scheduler = new Scheduler([boom, k, l, z, job('sibling', cold('------s|'))], { label: 'main' });
        expect(timeline(ts, scheduler.run(), { only: 'outcomes' })).to.deep.equal([
          '2 boom:failed',
          '2 k:skipped',
          '2 l:skipped',
          '4 z:done=z',
          '7 sibling:done=s',
          '7 end:main:true',
          '7 complete',
        ]);
        expectSubscriptions(kWork.subscriptions).toBe([]);
        expectSubscriptions(lWork.subscriptions).toBe([]);
        expectSubscriptions(zWork.subscriptions).toBe('--^-!');
        expect(k.isSkipped() && k.isDone()).to.equal(true);
        expect(k.outcome()).to.deep.equal({ status: 'skipped', because: [boom] });
        expect(l.outcome()).to.deep.equal({ status: 'skipped', because: [k] });
      });
    });
  });

  describe('timeouts', () => {
    it('cancels everything still running when the global timeout fires; the run ends false', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('2000ms x|');
        const jb = job('b', cold('10ms b|'));
        const scheduler = new Scheduler([job('a', a), jb], { label: 'main', timeout: 1000 });
        expectObservable(outcomes(scheduler.run())).toBe('11ms B 988ms (AE|)', {
          A: 'a:cancelled(timeout)',
          B: 'b:done=b',
          E: 'end:main:false',
        });
        expectSubscriptions(a.subscriptions).toBe('^ 999ms !');
      });
    });

    it('lets orchestrate()/run() override the scheduler timeout; why() says after how long', () => {
      ts.run(({ cold, expectObservable }) => {
        const scheduler = new Scheduler([job('a', cold('2000ms x|'))], { label: 'main', timeout: 500 });
        expectObservable(outcomes(scheduler.run({ timeout: 1000 }))).toBe('1000ms (AE|)', {
          A: 'a:cancelled(timeout)',
          E: 'end:main:false',
        });
      });
      ts = createTestScheduler();
      const scheduler = new Scheduler([job('a', of(1))], { timeout: 10 });
      ts.run(({ cold }) => {
        const s = new Scheduler([job('a', cold('50ms x|'))], { label: 'main', timeout: 10 });
        timeline(ts, s.run());
        expect(s.why()).to.equal('timed out after 10 ms');
        expect(s.failedTimeout()).to.equal(true);
      });
      expect(scheduler.failedTimeout()).to.equal(false);
    });

    it('fails a job that exceeds its own timeout (JobTimeoutError); dependents still run', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('-----x|');
        const ja = job('a', a, { timeout: 3 });
        const b = cold('-b|');
        const scheduler = new Scheduler([ja, job('b', b, { requires: ja }), job('c', cold('--------c|'))], {
          label: 'main',
        });
        expectObservable(outcomes(scheduler.run())).toBe('---A-B---(CE|)', {
          A: 'a:failed',
          B: 'b:done=b',
          C: 'c:done=c',
          E: 'end:main:true',
        });
        expectSubscriptions(a.subscriptions).toBe('^--!');
        expectSubscriptions(b.subscriptions).toBe('---^-!');
        ts.schedule(() => {
          const outcome = ja.outcome();
          expect(outcome?.status).to.equal('failed');
          expect(outcome?.status === 'failed' && outcome.error).to.be.instanceOf(JobTimeoutError);
          expect(ja.raisedException()).to.be.instanceOf(JobTimeoutError);
        }, 20);
      });
    });

    it('applies the critical rule to a job timeout', () => {
      ts.run(({ cold, expectObservable }) => {
        const scheduler = new Scheduler(
          [job('a', cold('-----x|'), { timeout: 3, critical: true }), job('c', cold('--------c|'))],
          { label: 'main' },
        );
        expectObservable(outcomes(scheduler.run())).toBe('---(ACE|)', {
          A: 'a:failed!',
          C: 'c:cancelled(critical)',
          E: 'end:main:false',
        });
      });
    });
  });

  describe('jobsWindow', () => {
    it('runs at most n jobs at once, first come first served', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const a = cold('--a|');
        const b = cold('----b|');
        const c = cold('-c|');
        const d = cold('-d|');
        const scheduler = new Scheduler([job('a', a), job('b', b), job('c', c), job('d', d)], {
          jobsWindow: 2,
        });
        timeline(ts, scheduler.run());
        expectSubscriptions(a.subscriptions).toBe('^--!');
        expectSubscriptions(b.subscriptions).toBe('^----!');
        expectSubscriptions(c.subscriptions).toBe('---^-!');
        expectSubscriptions(d.subscriptions).toBe('-----^-!');
      });
    });

    it('gives the slot back when a job fails', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const b = cold('-b|');
        const scheduler = new Scheduler([job('a', cold('-#')), job('b', b)], { jobsWindow: 1 });
        expect(timeline(ts, scheduler.run(), { only: 'outcomes' }).at(-2)).to.match(/^3 end:.*:true$/);
        expectSubscriptions(b.subscriptions).toBe('-^-!');
      });
    });

    it('gives the slot back when a job is cancelled by its own timeout', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const b = cold('-b|');
        const scheduler = new Scheduler([job('a', cold('-----a|'), { timeout: 2 }), job('b', b)], {
          jobsWindow: 1,
        });
        timeline(ts, scheduler.run());
        expectSubscriptions(b.subscriptions).toBe('--^-!');
      });
    });

    it('keeps waiting jobs idle when the run stops before their turn', () => {
      ts.run(({ cold }) => {
        const waiting = job('waiting', cold('-w|'));
        const scheduler = new Scheduler([job('a', cold('-----a|')), waiting], { jobsWindow: 1, timeout: 2 });
        timeline(ts, scheduler.run());
        expect(waiting.status).to.equal('idle');
      });
    });

    it('gives the slot back only after the previous job has torn down', async () => {
      const log: string[] = [];
      const a = new Job(
        () =>
          new Observable<number>((subscriber) => {
            subscriber.next(1);
            subscriber.complete();
            return () => log.push('a teardown');
          }),
      );
      const b = new Job(() => defer(() => (log.push('b subscribed'), of(2))));
      const c = new Job(() => defer(() => (log.push('c subscribed'), of(3))), { requires: a });
      await new Scheduler([a, b, c], { jobsWindow: 1 }).orchestrate();
      expect(log).to.deep.equal(['a teardown', 'b subscribed', 'c subscribed']);
    });

    it('concludes a job whose teardown throws after it completed asynchronously: its dependents run', async function () {
      this.timeout(2000); // it used to hang
      const thrown: unknown[] = [];
      const a = new Job(
        () =>
          new Observable<number>((subscriber) => {
            const timeout = setTimeout(() => {
              subscriber.next(1);
              try {
                subscriber.complete();
              } catch (e: unknown) {
                thrown.push(e); // rxjs gives the teardown's error to the producer
              }
            }, 5);
            return () => {
              clearTimeout(timeout);
              throw new Error('teardown failed');
            };
          }),
        { label: 'a' },
      );
      const b = new Job(() => of(2), { label: 'b', requires: a });
      expect(await new Scheduler([a, b]).orchestrate()).to.equal(true);
      expect([a.status, b.result()]).to.deep.equal(['done', 2]);
      expect(thrown).to.have.length(1);
    });
  });

  describe('rerun and cancellation', () => {
    it('runs the work again on every subscription, with state reset', () => {
      ts.run(({ cold, expectSubscriptions }) => {
        const a = cold('-a|');
        const boom = cold('-#');
        const ja = job('a', a);
        const jboom = job('boom', boom, { requires: ja });
        const scheduler = new Scheduler([ja, jboom], { label: 'main' });
        expect(timeline(ts, concat(scheduler.run(), scheduler.run()), { only: 'outcomes' })).to.deep.equal([
          '2 a:done=a',
          '3 boom:failed',
          '3 end:main:true',
          '5 a:done=a',
          '6 boom:failed',
          '6 end:main:true',
          '6 complete',
        ]);
        expectSubscriptions(a.subscriptions).toBe(['^-!', '---^-!']);
        expectSubscriptions(boom.subscriptions).toBe(['--^!', '-----^!']);
      });
    });

    it('resets the state of the latest run when a run starts', async () => {
      let fail = true;
      const flaky = new Job(() => (fail ? Promise.reject(new Error('flaky')) : Promise.resolve('ok')));
      const scheduler = new Scheduler([flaky], { critical: true });
      expect(await scheduler.orchestrate()).to.equal(false);
      expect(flaky.status).to.equal('failed');
      fail = false;
      expect(await scheduler.orchestrate()).to.equal(true);
      expect(flaky.result()).to.equal('ok');
      expect(flaky.raisedException()).to.equal(undefined);
    });

    it('cancels every running job when the subscriber unsubscribes', () => {
      ts.run(({ cold, expectObservable, expectSubscriptions }) => {
        const a = cold('------a|');
        const ja = job('a', a);
        const scheduler = new Scheduler([ja]);
        expectObservable(outcomes(scheduler.run()), '^--!').toBe('');
        expectSubscriptions(a.subscriptions).toBe('^--!');
        ts.schedule(() => {
          expect(ja.isCancelled()).to.equal(true);
          expect(scheduler.why()).to.equal('cancelled: unsubscribed before the end');
        }, 5);
      });
    });

    it('leaves idle a job whose start made the consumer leave, without calling its work', async () => {
      let called = false;
      const job1 = new Job(() => ((called = true), of(1)), { label: 'first' });
      const scheduler = new Scheduler([job1]);
      const first = await lastValueFrom(scheduler.run().pipe(take(1)), { defaultValue: undefined });
      expect(first?.type).to.equal('started');
      expect(called).to.equal(false);
      expect(job1.isIdle()).to.equal(true);
    });

    it('aborts the signal of Promise-based work when the job exceeds its own timeout', async () => {
      let signal: AbortSignal | undefined;
      const slow = new Job<string>(
        (context) =>
          new Promise<string>((resolve) => {
            signal = context.signal;
            setTimeout(() => {
              resolve('late');
            }, 200);
          }),
        { timeout: 20 },
      );
      expect(await new Scheduler([slow]).orchestrate()).to.equal(true);
      expect(slow.raisedException()).to.be.instanceOf(JobTimeoutError);
      expect(signal?.aborted).to.equal(true);
      expect(signal?.reason).to.be.instanceOf(JobTimeoutError);
    });

    it('starts no job of the same batch once a critical job of it has failed', async () => {
      let started = false;
      const a = new Job(() => timer(1), { label: 'a' });
      const x = new Job(
        (): Observable<never> => {
          throw new Error('x');
        },
        { label: 'x', critical: true, requires: a },
      );
      const y = new Job(() => ((started = true), of('y')), { label: 'y', requires: a });
      expect(await new Scheduler([a, x, y]).orchestrate()).to.equal(false);
      expect(started).to.equal(false);
      expect(y.isIdle()).to.equal(true);
    });

    it('aborts the signal of Promise-based work when the job is cancelled', async () => {
      let signal: AbortSignal | undefined;
      const hang = new Job<string>(
        (context) =>
          new Promise<string>(() => {
            signal = context.signal;
          }),
      );
      expect(await new Scheduler([hang], { timeout: 20 }).orchestrate()).to.equal(false);
      expect(signal?.aborted).to.equal(true);
      expect(hang.isCancelled()).to.equal(true);
      expect(hang.result()).to.equal(undefined);
      expect(hang.isDone() || hang.isRunning()).to.equal(false);
    });
  });

  describe('work of every kind', () => {
    it('accepts Promises, async functions, async iterables, cold Observables and synchronous throws', async () => {
      async function* generate(): AsyncGenerator<number> {
        await Promise.resolve();
        yield 1;
        yield 2;
      }
      const promise = new Job(() => Promise.resolve('p'));
      const asyncFn = new Job(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return 'a';
      });
      const iterable = new Job(() => generate());
      const observable = new Job(of('o1', 'o2'));
      const throwing = new Job((): Observable<never> => {
        throw new Error('sync throw');
      });
      const scheduler = new Scheduler([promise, asyncFn, iterable, observable, throwing]);
      expect(await scheduler.orchestrate()).to.equal(true);
      expect([promise, asyncFn, iterable, observable].map((j) => j.result())).to.deep.equal([
        'p',
        'a',
        2,
        'o2',
      ]);
      expect((throwing.raisedException() as Error).message).to.equal('sync throw');
      // and again: nothing was consumed by the first run
      expect(await scheduler.orchestrate()).to.equal(true);
      expect(iterable.result()).to.equal(2);
    });

    it('runs a chain of 100,000 synchronous jobs without growing the stack', async () => {
      const jobs: Job[] = [];
      for (let i = 0; i < 100_000; i++) jobs.push(new Job(() => of(i), { requires: jobs[i - 1] }));
      expect(await new Scheduler(jobs).orchestrate()).to.equal(true);
      expect(jobs[99_999]?.result()).to.equal(99_999);
    });

    it('runs 100,000 jobs behind a window of 1 without growing the stack', async () => {
      const jobs: Job[] = [];
      for (let i = 0; i < 100_000; i++) jobs.push(new Job(() => of(i)));
      expect(await new Scheduler(jobs, { jobsWindow: 1 }).orchestrate()).to.equal(true);
      expect(jobs[99_999]?.result()).to.equal(99_999);
    });
  });
});
