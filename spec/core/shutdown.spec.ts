import { expect } from 'chai';
import { NEVER, Observable, of, takeWhile, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';

import { Job, Scheduler, Sequence } from '../../lib/index.js';
import { createTestScheduler, outcomes, timeline } from '../helpers/marbles.js';

/** A job counting its shutdown calls. */
class CountingJob extends Job<number> {
  shutdowns = 0;
  readonly #work: () => Observable<number>;
  constructor(label: string, work: () => Observable<number>) {
    super({ label });
    this.#work = work;
  }
  protected override work(): Observable<number> {
    return this.#work();
  }
  override shutdown(): void {
    this.shutdowns++;
  }
}

describe('shutdown', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = createTestScheduler();
  });

  it('calls every member’s shutdown() once per run, started or not, however the run ends', async () => {
    const done = new CountingJob('done', () => of(1));
    const never = new CountingJob('never', () => NEVER);
    const idle = new CountingJob('idle', () => of(2));
    idle.requires(never);
    const scheduler = new Scheduler([done, never, idle], { timeout: 20 });
    expect(await scheduler.orchestrate()).to.equal(false);
    expect([done.shutdowns, never.shutdowns, idle.shutdowns]).to.deep.equal([1, 1, 1]);
    expect(await scheduler.orchestrate()).to.equal(false);
    expect([done.shutdowns, never.shutdowns, idle.shutdowns]).to.deep.equal([2, 2, 2]);
  });

  it('shuts down after a critical abort and when the subscriber leaves', async () => {
    const victim = new CountingJob('victim', () => NEVER);
    const boom = new Job(() => Promise.reject(new Error('boom')), { critical: true });
    expect(await new Scheduler([victim, boom]).orchestrate()).to.equal(false);
    expect(victim.shutdowns).to.equal(1);
    const left = new CountingJob('left', () => NEVER);
    new Scheduler([left]).run().subscribe().unsubscribe();
    expect(left.shutdowns).to.equal(1);
  });

  it('shuts down after the running jobs’ teardown when the subscriber leaves', async () => {
    const log: string[] = [];
    const a = new Job(() => new Observable(() => () => log.push('teardown a')), {
      shutdown: () => {
        log.push('shutdown a');
      },
    });
    const subscription = new Scheduler([a]).run().subscribe();
    await new Promise((resolve) => setTimeout(resolve, 5));
    subscription.unsubscribe();
    expect(log).to.deep.equal(['teardown a', 'shutdown a']);
  });

  it('shuts down when the subscriber leaves on a cancelled event, before the shutdown phase', async () => {
    const log: string[] = [];
    const f = new Job(() => NEVER, { forever: true, shutdown: () => void log.push('shutdown f') });
    const a = new Job(() => timer(5), { shutdown: () => void log.push('shutdown a') });
    new Scheduler([f, a])
      .run()
      .pipe(takeWhile((e) => e.type !== 'cancelled'))
      .subscribe();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(log).to.deep.equal(['shutdown f', 'shutdown a']);
  });

  it('waits for asynchronous shutdowns, bounded by shutdownTimeout; orchestrate() resolves after', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const slow = cold('5000ms |');
      const quick = cold('300ms |');
      const a = new Job(() => cold('-a|'), { label: 'a', shutdown: () => slow });
      const b = new Job(() => cold('-b|'), { label: 'b', shutdown: () => quick });
      const scheduler = new Scheduler([a, b], { label: 'main', shutdownTimeout: 1000 });
      expectObservable(outcomes(scheduler.run())).toBe('--(AB) 996ms (E|)', {
        A: 'a:done=a',
        B: 'b:done=b',
        E: 'end:main:true',
      });
      expectSubscriptions(slow.subscriptions).toBe('--^ 999ms !');
      expectSubscriptions(quick.subscriptions).toBe('--^ 299ms !');
    });
  });

  it('ignores shutdown hooks that throw or reject', async () => {
    const a = new Job(of(1), {
      shutdown: () => {
        throw new Error('bad hook');
      },
    });
    const b = new Job(of(2), { shutdown: () => Promise.reject(new Error('bad promise')) });
    expect(await new Scheduler([a, b]).orchestrate()).to.equal(true);
  });

  it('lets each nested scheduler shut its own jobs down when it ends, once', () => {
    ts.run(({ cold }) => {
      const calls: string[] = [];
      const hook = (name: string) => () => {
        calls.push(`${String(ts.now())} ${name}`);
      };
      const inner = new Job(() => cold('-i|'), { label: 'inner', shutdown: hook('inner') });
      const nested = new Scheduler([inner], { label: 'nested' });
      const outer = new Job(() => cold('-----o|'), { label: 'outer', shutdown: hook('outer') });
      const main = new Scheduler([new Sequence(nested, outer)], { label: 'main' });
      timeline(ts, main.run());
      expect(calls).to.deep.equal(['2 inner', '8 outer']);
    });
  });

  it('shuts down the jobs of a nested scheduler cancelled by its parent, in the parent’s shutdown', () => {
    ts.run(({ cold }) => {
      const calls: string[] = [];
      const inner = new Job(() => cold('------i|'), {
        label: 'inner',
        shutdown: () => {
          calls.push(`${String(ts.now())} inner`);
        },
      });
      const neverStarted = new Job(() => cold('-n|'), {
        label: 'never-started',
        shutdown: () => {
          calls.push(`${String(ts.now())} never-started`);
        },
      });
      const idleNested = new Scheduler([neverStarted], { label: 'idle-nested' });
      const nested = new Scheduler([inner], { label: 'nested' });
      idleNested.requires(nested);
      const main = new Scheduler([nested, idleNested], { label: 'main', timeout: 3 });
      timeline(ts, main.run());
      expect(calls).to.deep.equal(['3 inner', '3 never-started']);
    });
  });
});

describe('shutdown hooks and their signal', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('aborts the signal of a Promise hook that overruns shutdownTimeout, before orchestrate() resolves', async () => {
    let seen: AbortSignal | undefined;
    let landed = false;
    const slow = new Job(of(1), {
      shutdown: ({ signal }) => {
        seen = signal;
        return new Promise<void>((resolve) => {
          const late = setTimeout(() => {
            landed = true; // a side effect that must not land after the run is over
            resolve();
          }, 80);
          signal.addEventListener('abort', () => {
            clearTimeout(late);
            resolve();
          });
        });
      },
    });
    const t0 = performance.now();
    expect(await new Scheduler([slow], { shutdownTimeout: 10 }).orchestrate()).to.equal(true);
    expect(performance.now() - t0).to.be.below(70);
    expect(seen?.aborted).to.equal(true);
    expect((seen?.reason as Error).name).to.equal('TimeoutError');
    expect((seen?.reason as Error).message).to.equal('shutdown timed out after 10 ms');
    await sleep(100);
    expect(landed).to.equal(false);
  });

  it('leaves the signal alone when the hooks finish in time', async () => {
    let seen: AbortSignal | undefined;
    const quick = new Job(of(1), {
      shutdown: async ({ signal }) => {
        seen = signal;
        await sleep(5);
      },
    });
    expect(await new Scheduler([quick], { shutdownTimeout: 500 }).orchestrate()).to.equal(true);
    expect(seen?.aborted).to.equal(false);
  });

  it('aborts the signal of an Observable hook too, as it unsubscribes it', () => {
    const ts = createTestScheduler();
    ts.run(({ cold, expectSubscriptions }) => {
      const hook$ = cold('50ms |');
      let seen: AbortSignal | undefined;
      const a = new Job(() => cold('-a|'), {
        label: 'a',
        shutdown: ({ signal }) => {
          seen = signal;
          return hook$;
        },
      });
      timeline(ts, new Scheduler([a], { label: 'main', shutdownTimeout: 10 }).run());
      expectSubscriptions(hook$.subscriptions).toBe('--^ 9ms !');
      ts.flush();
      expect(seen?.aborted).to.equal(true);
    });
  });

  it('aborts the signal when the consumer leaves during the shutdown phase', async () => {
    let seen: AbortSignal | undefined;
    const a = new Job(of(1), {
      shutdown: ({ signal }) => {
        seen = signal;
        return new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            resolve();
          });
        });
      },
    });
    const subscription = new Scheduler([a]).run().subscribe();
    await sleep(10);
    expect(seen?.aborted).to.equal(false);
    subscription.unsubscribe();
    expect(seen?.aborted).to.equal(true);
  });
});
