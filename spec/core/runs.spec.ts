import { expect } from 'chai';
import type { Observable, Subscription } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';

import { Job, Scheduler } from '../../lib/index.js';
import type { SchedulerEvent } from '../../lib/index.js';
import { createTestScheduler, describeEvent } from '../helpers/marbles.js';

/** Subscribes to `events$` now; logs `frame event` lines, and `frame complete`. */
const follow = (ts: TestScheduler, events$: Observable<SchedulerEvent>, log: string[]): Subscription =>
  events$.subscribe({
    next: (e) => log.push(`${String(ts.now())} ${describeEvent(e)}`),
    error: (e: unknown) => log.push(`${String(ts.now())} error ${String(e)}`),
    complete: () => log.push(`${String(ts.now())} complete`),
  });

describe('independent runs (two subscriptions to run())', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = createTestScheduler();
  });

  it('lets the second run complete with its own events and outcome when the first is unsubscribed', () => {
    ts.run(({ cold }) => {
      const hooks: string[] = [];
      const a = new Job<string>(() => cold('----a|'), {
        label: 'a',
        shutdown: () => void hooks.push(`${String(ts.now())} shutdown a`),
      });
      const b = new Job<string>(() => cold('--b|'), { label: 'b', requires: a });
      const main = new Scheduler([a, b], { label: 'main' });
      const first: string[] = [];
      const second: string[] = [];
      const seen: string[] = [];
      const run1 = follow(ts, main.run(), first);
      ts.schedule(() => follow(ts, main.run(), second), 2);
      ts.schedule(() => {
        run1.unsubscribe();
      }, 3);
      // what inspection shows once the first run has left: the second one's state
      ts.schedule(() => seen.push(`${a.status} ${b.status} ${main.why()}`), 4);
      ts.flush();
      expect(first).to.deep.equal(['0 a:started']);
      expect(second).to.deep.equal([
        '2 a:started',
        '6 a:value=a',
        '7 a:done=a',
        '7 b:started',
        '9 b:value=b',
        '10 b:done=b',
        '10 end:main:true',
        '10 complete',
      ]);
      expect(seen).to.deep.equal(['running idle running']);
      // each run shut down once: the first when it left, the second at its end
      expect(hooks).to.deep.equal(['3 shutdown a', '10 shutdown a']);
      expect([a.status, a.result(), b.result(), main.why()]).to.deep.equal([
        'done',
        'a',
        'b',
        'fine: every job completed',
      ]);
    });
  });

  it('keeps a job of the second run waiting for its slot when the first run is unsubscribed', () => {
    ts.run(({ cold }) => {
      const a = new Job(() => cold('----a|'), { label: 'a' });
      const b = new Job(() => cold('-b|'), { label: 'b' });
      const main = new Scheduler([a, b], { label: 'main', jobsWindow: 1 });
      const second: string[] = [];
      const seen: string[] = [];
      const run1 = follow(ts, main.run(), []);
      ts.schedule(() => follow(ts, main.run(), second), 1);
      ts.schedule(() => {
        run1.unsubscribe();
      }, 2);
      ts.schedule(() => seen.push(`${a.status} ${b.status}`), 3);
      ts.flush();
      expect(seen).to.deep.equal(['running scheduled']);
      expect(second).to.deep.equal([
        '1 a:started',
        '5 a:value=a',
        '6 a:done=a',
        '6 b:started',
        '7 b:value=b',
        '8 b:done=b',
        '8 end:main:true',
        '8 complete',
      ]);
    });
  });

  it('does not let an older run still going overwrite what inspection shows of a newer one', () => {
    ts.run(({ cold }) => {
      let calls = 0;
      // the first run's work fails late, the second run's succeeds early
      const a = new Job<string>(
        () => (++calls === 1 ? cold('------#', undefined, new Error('late')) : cold('--x|')),
        { label: 'a' },
      );
      const main = new Scheduler([a], { label: 'main' });
      const first: string[] = [];
      follow(ts, main.run(), first);
      ts.schedule(() => follow(ts, main.run(), []), 1);
      ts.flush();
      expect(first).to.include('6 a:failed').and.include('6 end:main:true');
      expect([a.status, a.result(), a.raisedException(), a.outcome()]).to.deep.equal([
        'done',
        'x',
        undefined,
        { status: 'done', value: 'x' },
      ]);
      expect(main.why()).to.equal('fine: every job completed');
    });
  });

  it('cancels only its own jobs when the first of two runs times out', () => {
    ts.run(({ cold }) => {
      const a = new Job(() => cold('-----a|'), { label: 'a' });
      const main = new Scheduler([a], { label: 'main' });
      const first: string[] = [];
      const second: string[] = [];
      const seen: string[] = [];
      follow(ts, main.run({ timeout: 3 }), first);
      ts.schedule(() => follow(ts, main.run(), second), 1);
      ts.schedule(() => seen.push(a.status), 4);
      ts.flush();
      expect(first).to.deep.equal([
        '0 a:started',
        '3 a:cancelled(timeout)',
        '3 end:main:false',
        '3 complete',
      ]);
      expect(second).to.deep.equal([
        '1 a:started',
        '6 a:value=a',
        '7 a:done=a',
        '7 end:main:true',
        '7 complete',
      ]);
      expect(seen).to.deep.equal(['running']);
    });
  });

  it('runs nested schedulers independently too', () => {
    ts.run(({ cold }) => {
      const hooks: string[] = [];
      const inner = new Job(() => cold('----i|'), {
        label: 'inner',
        shutdown: () => void hooks.push(`${String(ts.now())} inner`),
      });
      const nested = new Scheduler([inner], { label: 'nested' });
      const main = new Scheduler([nested], { label: 'main' });
      const second: string[] = [];
      const seen: string[] = [];
      const run1 = follow(ts, main.run(), []);
      ts.schedule(() => follow(ts, main.run(), second), 1);
      ts.schedule(() => {
        run1.unsubscribe();
      }, 2);
      ts.schedule(() => seen.push(`${inner.status} ${nested.status}`), 3);
      ts.flush();
      expect(seen).to.deep.equal(['running running']);
      expect(second).to.deep.equal([
        '1 nested:started',
        '1 inner:started',
        '5 inner:value=i',
        '6 inner:done=i',
        '6 end:nested:true',
        '6 nested:done=true',
        '6 end:main:true',
        '6 complete',
      ]);
      expect(hooks).to.deep.equal(['2 inner', '6 inner']);
    });
  });
});
