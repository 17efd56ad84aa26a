// Flow: holds counted, taps paused and resumed, and nothing that can hold it for good (a stream that will
// never drain, a command that stops while the flow is held); a view for one node label (forLabel) pauses
// that label's commands only.
import { PassThrough, Writable } from 'node:stream';

import { expect } from 'chai';

import { Flow } from '../../lib/nodes/flow.js';

/** A tap that records what the flow did to it. */
const recorder = (): { calls: string[]; pause(): void; resume(): void } => {
  const calls: string[] = [];
  return {
    calls,
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
  };
};

/** A Writable that never calls back: its buffer stays full. */
const stuck = (): Writable =>
  new Writable({
    highWaterMark: 4,
    write: () => undefined,
  });

describe('Flow', () => {
  it('pauses its taps on the first hold and resumes them when the last is released (once each)', () => {
    const flow = new Flow();
    const tap = recorder();
    flow.attach(tap);
    const a = flow.hold();
    const b = flow.hold();
    a();
    a();
    expect(flow.held).to.equal(true);
    b();
    expect(flow.held).to.equal(false);
    expect(tap.calls).to.deep.equal(['pause', 'resume']);
  });

  it('a tap detached while the flow is held reads again, so that its command can drain and close', () => {
    const flow = new Flow();
    const tap = recorder();
    const detach = flow.attach(tap);
    flow.hold();
    detach();
    detach();
    expect(tap.calls).to.deep.equal(['pause', 'resume']);
  });

  it('a tap detached while the flow is not held is left alone', () => {
    const flow = new Flow();
    const tap = recorder();
    flow.attach(tap)();
    expect(tap.calls).to.deep.equal([]);
  });

  it('write() holds the flow while the stream is full, and releases it on drain', async () => {
    const flow = new Flow();
    const out = new PassThrough({ highWaterMark: 4 });
    expect(flow.write(out, 'more than four bytes')).to.equal(false);
    expect(flow.held).to.equal(true);
    out.resume(); // read: the buffer empties, 'drain' follows
    await new Promise((resolve) => setImmediate(resolve));
    expect(flow.held).to.equal(false);
  });

  it('write() to a stream already destroyed or ended never holds the flow', () => {
    const flow = new Flow();
    const destroyed = stuck();
    destroyed.on('error', () => undefined);
    destroyed.destroy();
    flow.write(destroyed, 'x');
    expect(flow.held).to.equal(false);
    const ended = stuck();
    ended.on('error', () => undefined); // write after end
    ended.end();
    flow.write(ended, 'x');
    expect(flow.held).to.equal(false);
  });

  it('a stream destroyed or failing while it holds the flow releases it', async () => {
    const flow = new Flow();
    const out = stuck();
    out.on('error', () => undefined);
    flow.write(out, 'more than four bytes');
    expect(flow.held).to.equal(true);
    out.destroy(new Error('EPIPE'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(flow.held).to.equal(false);
  });

  describe('forLabel: a view for the commands of one node label', () => {
    it("a view's hold pauses its label's taps (and those of no label) only, once each", () => {
      const flow = new Flow();
      const a = recorder();
      const b = recorder();
      const unknown = recorder();
      flow.attach(a, 'a');
      flow.attach(b, 'b');
      flow.attach(unknown);
      const view = flow.forLabel('a');
      expect(flow.forLabel('a')).to.equal(view);
      const one = view.hold();
      const two = view.hold();
      expect([view.held, flow.forLabel('b').held, flow.held]).to.deep.equal([true, false, true]);
      one();
      two();
      expect([view.held, flow.held]).to.deep.equal([false, false]);
      expect(a.calls).to.deep.equal(['pause', 'resume']);
      expect(b.calls).to.deep.equal([]);
      expect(unknown.calls).to.deep.equal(['pause', 'resume']);
    });

    it("a hold of the whole flow pauses every label's taps; a tap resumes when no hold concerns it", () => {
      const flow = new Flow();
      const a = recorder();
      const b = recorder();
      flow.attach(a, 'a');
      flow.attach(b, 'b');
      const ofA = flow.forLabel('a').hold();
      const all = flow.hold();
      expect(flow.forLabel('b').held).to.equal(true);
      all();
      expect(a.calls).to.deep.equal(['pause']); // still held by its own label
      expect(b.calls).to.deep.equal(['pause', 'resume']);
      ofA();
      expect(a.calls).to.deep.equal(['pause', 'resume']);
    });

    it('a tap attached while its label is held starts paused; detached, it reads again', () => {
      const flow = new Flow();
      flow.forLabel('a').hold();
      const a = recorder();
      const b = recorder();
      const detach = flow.attach(a, 'a');
      flow.forLabel('b').attach(b); // a view attaches with its own label
      expect(a.calls).to.deep.equal(['pause']);
      expect(b.calls).to.deep.equal([]);
      detach();
      expect(a.calls).to.deep.equal(['pause', 'resume']);
    });

    it("a view's write() holds its label only, until the stream drains", async () => {
      const flow = new Flow();
      const a = recorder();
      const b = recorder();
      flow.attach(a, 'a');
      flow.attach(b, 'b');
      const out = new PassThrough({ highWaterMark: 4 });
      expect(flow.forLabel('a').write(out, 'more than four bytes')).to.equal(false);
      expect(a.calls).to.deep.equal(['pause']);
      expect(b.calls).to.deep.equal([]);
      out.resume();
      await new Promise((resolve) => setImmediate(resolve));
      expect(a.calls).to.deep.equal(['pause', 'resume']);
      expect(flow.held).to.equal(false);
    });
  });
});
