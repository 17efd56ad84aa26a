// Flow: holds counted, taps paused and resumed, and nothing that can hold it for good (a stream that will
// never drain, a command that stops while the flow is held).
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
});
