import { expect } from 'chai';
import { of } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';

import { Job, Scheduler, SchedulerAbortedError, Sequence } from '../../lib/index.js';
import type { SchedulerOptions } from '../../lib/index.js';
import { job } from '../helpers/jobs.js';
import { createTestScheduler, timeline } from '../helpers/marbles.js';

describe('nested schedulers', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = createTestScheduler();
  });

  it('runs a nested scheduler as one job; its jobs’ events appear on the parent stream', () => {
    ts.run(({ cold, expectSubscriptions }) => {
      const x = cold('--x|');
      const y = cold('-y|');
      const post = cold('-q|');
      const jx = job('x', x);
      const nested = new Scheduler([jx, job('y', y, { requires: jx })], { label: 'nested' });
      const main = new Scheduler([new Sequence(job('pre', cold('-p|')), nested, job('post', post))], {
        label: 'main',
      });
      expect(timeline(ts, main.run(), { only: 'outcomes' })).to.deep.equal([
        '2 pre:done=p',
        '5 x:done=x',
        '7 y:done=y',
        '7 end:nested:true',
        '7 nested:done=true',
        '9 post:done=q',
        '9 end:main:true',
        '9 complete',
      ]);
      expectSubscriptions(x.subscriptions).toBe('--^--!');
      expectSubscriptions(y.subscriptions).toBe('-----^-!');
      expectSubscriptions(post.subscriptions).toBe('-------^-!');
      expect(nested.result()).to.equal(true);
    });
  });

  it('cancels the jobs inside a nested scheduler when the parent aborts (no orphan)', () => {
    ts.run(({ cold, expectSubscriptions }) => {
      const inner = cold('---------l|');
      const nested = new Scheduler([job('l', inner)], { label: 'nested' });
      const main = new Scheduler([job('boom', cold('---#'), { critical: true }), nested], { label: 'main' });
      expect(timeline(ts, main.run(), { only: 'outcomes' })).to.deep.equal([
        '3 boom:failed!',
        '3 nested:cancelled(critical)',
        '3 l:cancelled(parent)',
        '3 end:main:false',
        '3 complete',
      ]);
      expectSubscriptions(inner.subscriptions).toBe('^--!');
    });
  });

  it('cancels the jobs inside a nested scheduler when the parent times out', () => {
    ts.run(({ cold, expectSubscriptions }) => {
      const inner = cold('---------l|');
      const nested = new Scheduler([job('l', inner)], { label: 'nested' });
      const main = new Scheduler([nested], { label: 'main', timeout: 4 });
      expect(timeline(ts, main.run(), { only: 'outcomes' })).to.deep.equal([
        '4 nested:cancelled(timeout)',
        '4 l:cancelled(parent)',
        '4 end:main:false',
        '4 complete',
      ]);
      expectSubscriptions(inner.subscriptions).toBe('^---!');
    });
  });

  it('makes a nested timeout a failure of that job; a non-critical one lets the parent go on', () => {
    ts.run(({ cold, expectSubscriptions }) => {
      const after = cold('-a|');
      const nested = new Scheduler([job('i', cold('------i|'))], { label: 'nested', timeout: 3 });
      const main = new Scheduler([nested, job('after', after, { requires: nested })], { label: 'main' });
      expect(timeline(ts, main.run(), { only: 'outcomes' })).to.deep.equal([
        '3 i:cancelled(timeout)',
        '3 end:nested:false',
        '3 nested:failed',
        '5 after:done=a',
        '5 end:main:true',
        '5 complete',
      ]);
      expectSubscriptions(after.subscriptions).toBe('---^-!');
      ts.schedule(() => {
        const raised = nested.raisedException();
        expect(raised).to.be.instanceOf(SchedulerAbortedError);
        expect((raised as Error).message).to.equal('scheduler "nested" ended false: timed out after 3 ms');
      }, 10);
    });
  });

  it('makes a critical nested scheduler that ends false abort its parent', () => {
    ts.run(({ cold }) => {
      const nested = new Scheduler([job('i', cold('------i|'))], {
        label: 'nested',
        timeout: 3,
        critical: true,
      });
      const main = new Scheduler([nested, job('other', cold('--------o|'))], { label: 'main' });
      expect(timeline(ts, main.run(), { only: 'outcomes' })).to.deep.equal([
        '3 i:cancelled(timeout)',
        '3 end:nested:false',
        '3 nested:failed!',
        '3 other:cancelled(critical)',
        '3 end:main:false',
        '3 complete',
      ]);
    });
  });

  it('gives a nested scheduler one slot of its parent window, and its own window inside', () => {
    ts.run(({ cold, expectSubscriptions }) => {
      const a = cold('--a|');
      const b = cold('--b|');
      const c = cold('--c|');
      const sibling = cold('-s|');
      const nested = new Scheduler([job('a', a), job('b', b), job('c', c)], {
        label: 'nested',
        jobsWindow: 2,
      });
      const main = new Scheduler([nested, job('sibling', sibling)], { label: 'main', jobsWindow: 1 });
      timeline(ts, main.run());
      expectSubscriptions(a.subscriptions).toBe('^--!');
      expectSubscriptions(b.subscriptions).toBe('^--!');
      expectSubscriptions(c.subscriptions).toBe('---^--!');
      expectSubscriptions(sibling.subscriptions).toBe('------^-!');
    });
  });

  it('keeps the nested timeout when orchestrate() overrides the parent one', () => {
    ts.run(({ cold }) => {
      const nested = new Scheduler([job('i', cold('------i|'))], { label: 'nested', timeout: 3 });
      const main = new Scheduler([nested], { label: 'main', timeout: 1 });
      const log = timeline(ts, main.run({ timeout: 100 }), { only: 'outcomes' });
      expect(log.slice(0, 3)).to.deep.equal([
        '3 i:cancelled(timeout)',
        '3 end:nested:false',
        '3 nested:failed',
      ]);
    });
  });

  // asynciojobs' matrix: which failures propagate through a nested scheduler, by criticality
  const matrix: [
    outer: boolean | undefined,
    inner: boolean | undefined,
    job: boolean | undefined,
    ok: boolean,
  ][] = [
    [false, false, false, true],
    [false, false, true, true], // the inner run ends false; the inner scheduler is not critical
    [false, true, false, true],
    [false, true, true, false],
    [true, true, true, false],
    [false, true, undefined, false], // the job inherits critical from the inner scheduler
    [true, undefined, undefined, false], // both inherit from the outer one
    [false, undefined, true, true], // the inner scheduler inherits false from the outer one
  ];
  for (const [outer, inner, critical, ok] of matrix) {
    it(`outer critical=${String(outer)}, inner=${String(inner)}, job=${String(critical)}: orchestrate() is ${String(ok)}`, async () => {
      const boom = new Job(() => Promise.reject(new Error('boom')), { label: 'boom', critical });
      const innerOptions: SchedulerOptions = { label: 'inner', critical: inner };
      const main = new Scheduler([new Scheduler([boom], innerOptions), new Job(of(1))], { critical: outer });
      expect(await main.orchestrate()).to.equal(ok);
    });
  }
});
