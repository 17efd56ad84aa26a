import { expect } from 'chai';
import { lastValueFrom } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';

import { Job, outcomeOf, Scheduler, valuesOf } from '../../lib/index.js';
import { createTestScheduler } from '../helpers/marbles.js';

describe('valuesOf and outcomeOf', () => {
  let ts: TestScheduler;
  beforeEach(() => {
    ts = createTestScheduler();
  });

  it('valuesOf: the job’s values as they come, completing with the run, which it never cuts short', () => {
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = new Job(() => cold('-x-y|'), { label: 'a' });
      const b$ = cold('------b|');
      const b = new Job(() => b$, { label: 'b' });
      const main = new Scheduler([a, b], { label: 'main' });
      expectObservable(main.run().pipe(valuesOf(a))).toBe('-x-y---|');
      expectSubscriptions(b$.subscriptions).toBe('^------!');
    });
  });

  it('valuesOf: errors with the job’s error at the end of the run when the job failed', () => {
    ts.run(({ cold, expectObservable }) => {
      const a = new Job(() => cold('-x#', undefined, new Error('boom')), { label: 'a' });
      const b = new Job(() => cold('----b|'), { label: 'b' });
      const main = new Scheduler([a, b], { label: 'main' });
      const failure = Object.assign(new Error('job "a" failed: Error: boom'), { name: 'JobFailedError' });
      expectObservable(main.run().pipe(valuesOf(a))).toBe('-x---#', undefined, failure);
    });
  });

  it('valuesOf: a cancelled or skipped job just completes with the run', () => {
    ts.run(({ cold, expectObservable }) => {
      const forever = new Job(() => cold('-t-t-t-t'), { label: 'forever', forever: true });
      const a = new Job(() => cold('---a|'), { label: 'a' });
      const main = new Scheduler([forever, a], { label: 'main' });
      expectObservable(main.run().pipe(valuesOf(forever))).toBe('-t-t|');
    });
  });

  it('outcomeOf: the job’s outcome when it ends, typed from the job', () => {
    ts.run(({ cold, expectObservable }) => {
      const a = new Job(() => cold('-x-y|'), { label: 'a' });
      const failing = new Job(() => cold('--#', undefined, new Error('boom')), { label: 'failing' });
      const skipped = new Job(() => cold('-s|'), {
        label: 'skipped',
        requires: failing,
        runIf: 'all-success',
      });
      const main = new Scheduler([a, failing, skipped], { label: 'main' });
      const run$ = main.run();
      expectObservable(run$.pipe(outcomeOf(a))).toBe('----(d|)', { d: { status: 'done', value: 'y' } });
      expectObservable(run$.pipe(outcomeOf(skipped))).toBe('--s-|', {
        s: { status: 'skipped', because: [failing] },
      });
    });
  });

  it('valuesOf works with lastValueFrom for a real run', async () => {
    const a = new Job(() => Promise.resolve(42), { label: 'a' });
    const value: number = await lastValueFrom(new Scheduler([a]).run().pipe(valuesOf(a)));
    expect(value).to.equal(42);
  });
});
