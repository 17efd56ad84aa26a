// The live view on a (fake) terminal: the exact bytes of a draw, of the erase and redraw around a streamed
// line, of a tick, a resize, and of the end (nothing left on the screen, no timer left running).
import { Writable } from 'node:stream';

import { expect } from 'chai';
import { Subject } from 'rxjs';

import { Job, Scheduler } from '../../lib/index.js';
import type { JobStatus } from '../../lib/index.js';
import { LiveView } from '../../lib/render/live-view.js';
import type { LiveUnit } from '../../lib/render/live-view.js';
import { fits, HostGroup, member } from '../helpers/folded.js';

/** A terminal: what is written, and its size. */
class FakeTty extends Writable {
  written = '';
  writes = 0;
  isTTY = true;
  columns = 80;
  rows = 24;
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.written += chunk.toString();
    this.writes++;
    callback();
  }
  /** What was written since the last call. */
  take(): string {
    const text = this.written;
    this.written = '';
    return text;
  }
}

/** A unit whose status the test sets. */
const unit = (label: string, status: JobStatus = 'idle'): LiveUnit & { job: { status: JobStatus } } => {
  const job = { label, status, isTolerated: () => false };
  return { label, job: job as unknown as Job & { status: JobStatus } };
};

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('LiveView', () => {
  let tty: FakeTty;
  let clock: number;
  let view: LiveView | undefined;
  const start = (units: readonly LiveUnit[], period = 1000): LiveView =>
    (view = new LiveView(tty as unknown as NodeJS.WriteStream, units, {
      name: 'rxjobs',
      unit: 'jobs',
      now: () => clock,
      period,
      ascii: false,
    }));
  beforeEach(() => {
    tty = new FakeTty();
    clock = 0;
  });
  afterEach(() => {
    view?.stop();
  });

  it('draws its block in one write, and redraws it over itself: cursor up, lines overwritten, the rest erased', async () => {
    const a = unit('a', 'running');
    const b = unit('b');
    const live = start([a, b]);
    live.update();
    await tick();
    expect(tty.take()).to.equal('\rrxjobs: 2 jobs, 0 done, 1 running, 1 waiting, 0s\x1b[K\n  a  0s\x1b[J');
    expect(tty.writes).to.equal(1);
    clock = 2500;
    b.job.status = 'running';
    live.update();
    await tick();
    expect(tty.take()).to.equal(
      '\r\x1b[1Arxjobs: 2 jobs, 0 done, 2 running, 0 waiting, 2s\x1b[K\n  a  2s\x1b[K\n  b  0s\x1b[J',
    );
    a.job.status = 'done';
    b.job.status = 'done';
    live.update();
    await tick();
    expect(tty.take()).to.equal('\r\x1b[2Arxjobs: 2 jobs, 2 done, 0 running, 0 waiting, 2s\x1b[J');
    live.update();
    await tick();
    expect(tty.take(), 'nothing changed: nothing drawn').to.equal('');
  });

  it('erases the block before a streamed line and draws it again below it; stop() leaves a clean screen', async () => {
    const live = start([unit('a', 'running'), unit('b', 'running')]);
    const out = live.wrap(tty);
    live.update();
    await tick();
    const block = 'rxjobs: 2 jobs, 0 done, 2 running, 0 waiting, 0s\x1b[K\n  a  0s\x1b[K\n  b  0s\x1b[J';
    expect(tty.take()).to.equal(`\r${block}`);
    out.write('n:one line\n');
    out.write('n:another\n');
    await tick();
    // one erase, the lines, one redraw for both
    expect(tty.take()).to.equal(`\r\x1b[2A\x1b[Jn:one line\nn:another\n\r${block}`);
    live.stop();
    expect(tty.take()).to.equal('\r\x1b[2A\x1b[J');
    out.write('after\n');
    await tick();
    expect(tty.take(), 'stopped: a pass-through').to.equal('after\n');
  });

  it('does not draw under a line that is not ended yet', async () => {
    const live = start([unit('a', 'running')]);
    const out = live.wrap(tty);
    out.write('n:part');
    await tick();
    expect(tty.take()).to.equal('n:part');
    out.write(' of a line\n');
    await tick();
    expect(tty.take()).to.equal(
      ' of a line\n\rrxjobs: 1 job, 0 done, 1 running, 0 waiting, 0s\x1b[K\n  a  0s\x1b[J',
    );
  });

  it('ticks the elapsed times with one timer, drawing only when the text changes, and leaves none running', async () => {
    const live = start([unit('a', 'running')], 5);
    live.update();
    await tick();
    tty.take();
    await sleep(30); // ticks, same second: nothing to draw
    expect(tty.take()).to.equal('');
    clock = 1000;
    await sleep(30);
    expect(tty.take()).to.equal(
      '\r\x1b[1Arxjobs: 1 job, 0 done, 1 running, 0 waiting, 1s\x1b[K\n  a  1s\x1b[J',
    );
    live.stop();
    tty.take();
    clock = 5000;
    await sleep(30);
    expect(tty.written, 'no tick after stop()').to.equal('');
  });

  it("clips its lines to the terminal's columns, re-read on resize, and keeps to its rows", async () => {
    const units = Array.from({ length: 12 }, (_, i) => unit(`job-with-a-long-name-${String(i)}`, 'running'));
    const live = start(units);
    tty.columns = 20;
    tty.rows = 6; // at most 3 jobs shown, and one line for the others
    live.update();
    await tick();
    const lines = tty.take().split('\n');
    expect(lines).to.have.length(5);
    expect(lines.map((l) => l.replace(new RegExp(String.raw`\r|\x1b\[\d*[A-Za-z]`, 'g'), ''))).to.deep.equal([
      'rxjobs: 12 jobs, 0…',
      '  job-with-a-l…  0s',
      '  job-with-a-l…  0s',
      '  job-with-a-l…  0s',
      '  … and 9 more run…',
    ]);
    tty.columns = 30;
    tty.emit('resize');
    expect(tty.take().split('\n')[1]).to.equal('  job-with-a-long-name-0  0s\x1b[K');
  });

  it('is its first line only below 16 columns, never wider than the terminal, and a block again when wider', () => {
    const live = start([unit('a-long-job-name', 'running'), unit('b', 'running')]);
    const plain = (text: string): string[] =>
      text.split('\n').map((l) => l.replace(new RegExp(String.raw`\r|\x1b\[\d*[A-Za-z]`, 'g'), ''));
    for (const columns of [1, 2, 5, 10, 15]) {
      tty.columns = columns;
      tty.emit('resize');
      const lines = plain(tty.take());
      expect(lines, `${String(columns)} columns`).to.have.length(1);
      expect(lines[0]?.length ?? 0, `${String(columns)} columns`).to.be.below(columns);
    }
    expect(live.lines(5, 24)).to.deep.equal(['rxj…']);
    tty.columns = 40;
    tty.emit('resize');
    expect(plain(tty.take())).to.deep.equal([
      'rxjobs: 2 jobs, 0 done, 2 running, 0 w…',
      '  a-long-job-name  0s',
      '  b                0s',
    ]);
  });

  it('writes no escape sequence that comes in a label', async () => {
    const live = start([unit('x\x1b[2J\x1b]0;title\x07y', 'running')]);
    live.update();
    await tick();
    expect(tty.take()).to.equal('\rrxjobs: 1 job, 0 done, 1 running, 0 waiting, 0s\x1b[K\n  xy  0s\x1b[J');
  });
});

describe('LiveView of a real run', () => {
  it('folds the units of a folded scheduler into one line, and counts tolerated failures', () => {
    const gates = fits(3).map(() => new Subject<string>());
    const members = fits(3).map(
      (host, i) => new Job(() => gates[i] ?? new Subject<string>(), { label: `prepare@${host}` }),
    );
    const group = new HostGroup(members, { label: 'prepare', fold: true, maxFailures: 1 });
    const other = member('collect', 'fit09');
    const scheduler = new Scheduler([group, other], { label: 'main', jobsWindow: 5 });
    const units = [...members, other].map((job) => ({ job, label: job.label }));
    const tty = new FakeTty();
    let clock = 0;
    const live = new LiveView(tty as unknown as NodeJS.WriteStream, units, {
      name: 'rxjobs',
      unit: 'jobs',
      scheduler,
      now: () => clock,
    });
    const subscription = scheduler.run().subscribe({
      next: (e) => {
        live.see(e);
      },
      error: () => undefined,
    });
    try {
      clock = 3000;
      gates[0]?.next('ok');
      gates[0]?.complete();
      gates[1]?.error(new Error('boom'));
      expect(live.lines(80, 24)).to.deep.equal([
        'rxjobs: 4 jobs, 2 done, 1 tolerated, 1 running, 0 waiting, 3s',
        '  prepare fit[01-03]: 1 running, 1 done, 1 tolerated  3s',
      ]);
    } finally {
      subscription.unsubscribe();
      live.stop();
    }
  });
});
