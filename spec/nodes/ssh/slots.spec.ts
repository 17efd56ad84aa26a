import { expect } from 'chai';

import { Slots } from '../../../lib/nodes/ssh/slots.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Slots', () => {
  it('lower(): holders beyond the new limit keep their slots; nobody new gets one until under it', async () => {
    const slots = new Slots(3);
    const held = await Promise.all([slots.acquire(), slots.acquire(), slots.acquire()]);
    slots.lower(1);
    expect(slots.limit).to.equal(1);
    let got = false;
    void slots.acquire().then(() => (got = true));
    held[0]();
    held[1]();
    await tick();
    expect(got, 'two holders gone, one left: still at the limit').to.equal(false);
    held[2]();
    await tick();
    expect(got).to.equal(true);
  });

  it('lower() never raises the limit, nor goes below 1', () => {
    const slots = new Slots(4);
    slots.lower(9);
    expect(slots.limit).to.equal(4);
    slots.lower(0);
    expect(slots.limit).to.equal(1);
  });

  it('requeue(): gives the slot back and takes one again; the same release then gives that one back', async () => {
    const slots = new Slots(1);
    const first = await slots.acquire();
    const order: string[] = [];
    const second = slots.acquire().then((release) => {
      order.push('newcomer');
      return release;
    });
    await slots.requeue(first);
    order.push('requeued');
    expect(slots.busy).to.equal(1);
    first();
    (await second)();
    expect(order).to.deep.equal(['requeued', 'newcomer']);
    expect(slots.busy).to.equal(0);
  });

  it('requeue(): served before those who waited without ever holding a slot', async () => {
    const slots = new Slots(2);
    const [a, b] = await Promise.all([slots.acquire(), slots.acquire()]);
    slots.lower(1);
    const order: string[] = [];
    void slots.acquire().then(() => order.push('newcomer'));
    void slots.requeue(a).then(() => order.push('requeued'));
    await tick();
    expect(order, 'b still holds the only slot').to.deep.equal([]);
    b();
    await tick();
    expect(order).to.deep.equal(['requeued']);
  });

  it('requeue(): an abort while waiting leaves the queue, holding nothing', async () => {
    const slots = new Slots(2);
    const [a, b] = await Promise.all([slots.acquire(), slots.acquire()]);
    slots.lower(1);
    const abort = new AbortController();
    const waiting = slots.requeue(a, abort.signal);
    expect(slots.waiting).to.equal(1);
    abort.abort(new Error('stop'));
    await waiting.then(
      () => expect.fail('resolved'),
      (e: unknown) => expect((e as Error).message).to.equal('stop'),
    );
    expect(slots.waiting).to.equal(0);
    expect(slots.busy).to.equal(1);
    a(); // a no-op now
    expect(slots.busy).to.equal(1);
    b();
    expect(slots.busy).to.equal(0);
  });

  it('requeue(): its release called while waiting leaves the queue too', async () => {
    const slots = new Slots(2);
    const [a, b] = await Promise.all([slots.acquire(), slots.acquire()]);
    slots.lower(1);
    const waiting = slots.requeue(a);
    a();
    await waiting.then(
      () => expect.fail('resolved'),
      () => undefined,
    );
    b();
    expect([slots.busy, slots.waiting]).to.deep.equal([0, 0]);
  });
});
