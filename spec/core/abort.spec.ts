import { expect } from 'chai';
import { NEVER, Observable, of, toArray, lastValueFrom } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';

import { Job, Scheduler } from '../../lib/index.js';
import { createTestScheduler, timeline } from '../helpers/marbles.js';

describe('run({ signal }) and orchestrate({ signal })', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = createTestScheduler();
  });

  it('cancels the running jobs when the signal is aborted, shuts down, then ends false', () => {
    ts.run(({ cold, expectSubscriptions }) => {
      const controller = new AbortController();
      const a$ = cold('-----a|');
      const hook$ = cold('--|');
      const a = new Job(() => a$, { label: 'a', shutdown: () => hook$ });
      const b = new Job(() => cold('-b|'), { label: 'b', requires: a });
      const main = new Scheduler([a, b], { label: 'main' });
      ts.schedule(() => {
        controller.abort();
      }, 3);
      expect(timeline(ts, main.run({ signal: controller.signal }))).to.deep.equal([
        '0 a:started',
        '3 a:cancelled(aborted)',
        '5 end:main:false',
        '5 complete',
      ]);
      expectSubscriptions(a$.subscriptions).toBe('^--!');
      expectSubscriptions(hook$.subscriptions).toBe('---^-!');
      expect(main.why()).to.equal('cancelled: aborted by its signal');
      expect([a.status, b.status]).to.deep.equal(['cancelled', 'idle']);
    });
  });

  it('resolves orchestrate() false once the shutdown is done, the work’s own signal aborted too', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const a = new Job(
      ({ signal }) =>
        new Observable<never>(() => {
          signal.addEventListener('abort', () => log.push('work signal aborted'));
          setTimeout(() => {
            controller.abort(new Error('enough'));
          }, 5);
          return () => log.push('teardown');
        }),
      {
        label: 'a',
        shutdown: async () => {
          await new Promise((resolve) => setTimeout(resolve, 10));
          log.push('shutdown done');
        },
      },
    );
    const main = new Scheduler([a], { label: 'main' });
    expect(await main.orchestrate({ signal: controller.signal })).to.equal(false);
    log.push('resolved');
    expect(log).to.deep.equal(['teardown', 'work signal aborted', 'shutdown done', 'resolved']);
    expect(main.why()).to.equal('cancelled: aborted by its signal: enough');
    expect(a.isCancelled()).to.equal(true);
  });

  it('runs nothing with an already aborted signal, and says why', async () => {
    let calls = 0;
    let shutdowns = 0;
    const a = new Job(
      () => {
        calls++;
        return of(1);
      },
      {
        label: 'a',
        shutdown: () => {
          shutdowns++;
        },
      },
    );
    const main = new Scheduler([a], { label: 'main' });
    const events = await lastValueFrom(main.run({ signal: AbortSignal.abort('stop') }).pipe(toArray()));
    expect(events.map((e) => e.type)).to.deep.equal(['end']);
    expect(await main.orchestrate({ signal: AbortSignal.abort() })).to.equal(false);
    expect([calls, shutdowns, a.status]).to.deep.equal([0, 0, 'idle']);
    expect(main.why()).to.equal('cancelled: aborted by its signal');
  });

  it('cancels nested schedulers with their parent', () => {
    ts.run(({ cold }) => {
      const controller = new AbortController();
      const inner = new Job(() => cold('----i|'), { label: 'inner' });
      const nested = new Scheduler([inner], { label: 'nested' });
      const main = new Scheduler([nested, new Job(() => NEVER, { label: 'other' })], { label: 'main' });
      ts.schedule(() => {
        controller.abort();
      }, 2);
      expect(timeline(ts, main.run({ signal: controller.signal }), { only: 'outcomes' })).to.deep.equal([
        '2 nested:cancelled(aborted)',
        '2 inner:cancelled(parent)',
        '2 other:cancelled(aborted)',
        '2 end:main:false',
        '2 complete',
      ]);
    });
  });
});
