import { expect } from 'chai';
import { lastValueFrom, Observable, of, Subject, toArray } from 'rxjs';

import { mergeWindow } from '../helpers/window.js';
import { createTestScheduler } from '../helpers/marbles.js';

describe('jobsWindow (through mergeWindow)', () => {
  it('runs at most `limit` inners at once, in arrival order, batches queued whole', () => {
    createTestScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const inners: Record<string, ReturnType<typeof cold>> = {
        a: cold('--a|'),
        b: cold('----b|'),
        c: cold('-c|'),
        d: cold('----d|'),
      };
      const source = hot<readonly string[]>('x---y|', { x: ['a', 'b', 'c'], y: ['d'] });
      const result = source.pipe(mergeWindow(2, (k) => inners[k] as Observable<string>));
      expectObservable(result).toBe('--a-(bc)-d|');
      expectSubscriptions(inners['a']?.subscriptions ?? []).toBe('^--!');
      expectSubscriptions(inners['b']?.subscriptions ?? []).toBe('^----!');
      expectSubscriptions(inners['c']?.subscriptions ?? []).toBe('---^-!');
      expectSubscriptions(inners['d']?.subscriptions ?? []).toBe('-----^----!');
    });
  });

  it('completes only when the source and every inner have', () => {
    createTestScheduler().run(({ cold, hot, expectObservable }) => {
      const source = hot<readonly number[]>('x|', { x: [1] });
      expectObservable(source.pipe(mergeWindow(1, () => cold('---v|')))).toBe('---v|');
    });
  });

  it('unsubscribes every running inner when unsubscribed, and starts no queued one', () => {
    createTestScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const first = cold('------f|');
      const queued = cold('-q|');
      const source = hot<readonly string[]>('x', { x: ['f', 'q'] });
      expectObservable(source.pipe(mergeWindow(1, (k) => (k === 'f' ? first : queued))), '^--!').toBe('');
      expectSubscriptions(first.subscriptions).toBe('^--!');
      expectSubscriptions(queued.subscriptions).toBe([]);
    });
  });

  it('frees a slot only after the inner’s teardown has run', () => {
    const log: string[] = [];
    const inner = (name: string) =>
      new Observable<string>((subscriber) => {
        log.push(`${name} subscribed`);
        subscriber.next(name);
        subscriber.complete();
        return () => log.push(`${name} torn down`);
      });
    const items = new Subject<readonly string[]>();
    items.pipe(mergeWindow(1, inner)).subscribe();
    items.next(['a', 'b']);
    expect(log).to.deep.equal(['a subscribed', 'a torn down', 'b subscribed', 'b torn down']);
  });

  it('drains 200,000 synchronous inners, and items pushed from inside inners, without recursion', async () => {
    const n = 200_000;
    const items = new Subject<readonly number[]>();
    let count = 0;
    const result = lastValueFrom(
      items.pipe(
        mergeWindow(1, (i) => {
          // every inner pushes the next item while it runs, as a finishing job releases its dependents
          if (i + 1 < n) items.next([i + 1]);
          else items.complete();
          count++;
          return of(i);
        }),
        toArray(),
      ),
      { defaultValue: [] },
    );
    items.next([0]);
    const values = await result;
    expect(count).to.equal(n);
    expect(values.at(-1)).to.equal(n - 1);
  });
});
