// Host-prefixed terminal output: writeLines() (apssh's HostFormatter, TimeHostFormatter and RawFormatter);
// the formatting of the lines is in text/host-lines.spec.ts.
import { Writable } from 'node:stream';

import { expect } from 'chai';
import {
  asapScheduler,
  lastValueFrom,
  map,
  merge,
  Observable,
  of,
  scheduled,
  throwError,
  toArray,
} from 'rxjs';

import { Job, Scheduler } from '../../lib/index.js';
import type { SchedulerEvent } from '../../lib/core/events.js';
import { chunkEvent, exitEvent, lineEvent } from '../../lib/nodes/command-event.js';
import type { CommandEvent, NodeRef, OutputStream } from '../../lib/nodes/command-event.js';
import { captureStdout } from '../../lib/render/text/capture.js';
import { labelWidth } from '../../lib/render/text/host-lines.js';
import { writeLines } from '../../lib/render/write-lines.js';
import { rejection } from '../helpers/errors.js';

const h1: NodeRef = { label: 'h1', hostname: 'h1' };
const nodeNamed = (label: string): NodeRef => ({ label, hostname: label });

const lineOf = (node: NodeRef, text: string | Buffer, stream: OutputStream = 'stdout', newline = true) =>
  lineEvent(stream, typeof text === 'string' ? Buffer.from(text) : text, newline, node);

/** A memory Writable that keeps every chunk of every write; `slow` acknowledges writes on a later tick. */
class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  readonly #slow: boolean;
  constructor(options: { slow?: boolean; highWaterMark?: number } = {}) {
    super(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark });
    this.#slow = options.slow ?? false;
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    if (this.#slow) setImmediate(callback);
    else callback();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

const run = <T>(events$: Observable<T>): Promise<T[]> =>
  lastValueFrom(events$.pipe(toArray()), { defaultValue: [] });

describe('writeLines', () => {
  let stdout: Sink;
  let stderr: Sink;
  beforeEach(() => {
    stdout = new Sink();
    stderr = new Sink();
  });

  it('writes stdout lines to stdout and stderr lines to stderr, and passes every event on', async () => {
    const events: CommandEvent[] = [
      lineOf(h1, 'out 1'),
      lineOf(h1, 'err 1', 'stderr'),
      lineOf(h1, 'out 2', 'stdout', false),
      exitEvent(h1, 0),
    ];
    const passed = await run(of(...events).pipe(writeLines({ stdout, stderr })));
    expect(passed).to.deep.equal(events);
    expect(stdout.text()).to.equal('h1:out 1\nh1:out 2\n');
    expect(stderr.text()).to.equal('h1:err 1\n');
  });

  it('writes the lines of one tick for one stream in one write() call, and lines of later ticks later', async () => {
    const events$ = new Observable<CommandEvent>((subscriber) => {
      subscriber.next(lineOf(h1, 'a'));
      subscriber.next(lineOf(h1, 'b'));
      setImmediate(() => {
        subscriber.next(lineOf(h1, 'c'));
        subscriber.complete();
      });
    });
    await run(events$.pipe(writeLines({ stdout, stderr })));
    expect(stdout.chunks.map(String)).to.deep.equal(['h1:a\nh1:b\n', 'h1:c\n']);
  });

  it('keeps the order of the lines across stdout and stderr', async () => {
    const log: string[] = [];
    const logged = (name: string): Writable =>
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          log.push(`${name} ${chunk.toString()}`);
          callback();
        },
      });
    const events = [
      lineOf(h1, 'o1'),
      lineOf(h1, 'o2'),
      lineOf(h1, 'e1', 'stderr'),
      lineOf(h1, 'o3'),
      lineOf(h1, 'e2', 'stderr'),
    ];
    await run(of(...events).pipe(writeLines({ stdout: logged('out'), stderr: logged('err') })));
    expect(log).to.deep.equal(['out h1:o1\nh1:o2\n', 'err h1:e1\n', 'out h1:o3\n', 'err h1:e2\n']);
  });

  it('writes a batch as soon as it reaches 64 KiB, and never cuts a longer line', async () => {
    const big = 'b'.repeat(100_000);
    const small = 's'.repeat(1000);
    const events = [
      ...Array.from({ length: 100 }, () => lineOf(h1, small)),
      lineOf(h1, big),
      lineOf(h1, 'end'),
    ];
    await run(of(...events).pipe(writeLines({ stdout, stderr })));
    const sizes = stdout.chunks.map((c) => c.length);
    // 66 lines of 1004 bytes reach 64 KiB; then 34 lines and the big one (past the limit), then the last one
    expect(sizes).to.deep.equal([66 * 1004, 34 * 1004 + 100_004, 7]);
    for (const chunk of stdout.chunks) expect(chunk.toString()).to.match(/^(h1:[bs]+\n)*(h1:(b+|s+|end)\n)$/);
  });

  it('writes what is pending when the source errors or the subscriber leaves', async () => {
    const events$ = new Observable<CommandEvent>((subscriber) => {
      subscriber.next(lineOf(h1, 'before the error'));
      subscriber.error(new Error('lost'));
    });
    await rejection(run(events$.pipe(writeLines({ stdout, stderr }))));
    expect(stdout.text()).to.equal('h1:before the error\n');
    const subscription = new Observable<CommandEvent>((subscriber) => {
      subscriber.next(lineOf(h1, 'before leaving', 'stderr'));
    })
      .pipe(writeLines({ stdout, stderr }))
      .subscribe({ error: () => undefined });
    subscription.unsubscribe();
    expect(stderr.text()).to.equal('h1:before leaving\n');
  });

  it('applies the format options: raw output keeps partial lines as they are', async () => {
    const events = of(lineOf(h1, 'a'), lineOf(h1, 'b', 'stdout', false), lineOf(h1, 'c', 'stderr'));
    await run(events.pipe(writeLines({ stdout, stderr, format: 'raw' })));
    expect(stdout.text()).to.equal('a\nb');
    expect(stderr.text()).to.equal('c\n');
  });

  it('writes the command events of a scheduler stream and passes the scheduler events on', async () => {
    const a = nodeNamed('alpha');
    const b = nodeNamed('b');
    const scheduler = new Scheduler(
      [
        new Job(() => of(lineOf(a, 'one'), lineOf(a, 'oops', 'stderr'), exitEvent(a, 1)), { label: 'ja' }),
        new Job(() => of(lineOf(b, 'two'), exitEvent(b, 0)), { label: 'jb' }),
        new Job(() => of('not a command event'), { label: 'other' }),
      ],
      { label: 'main' },
    );
    const events: SchedulerEvent[] = await run(
      scheduler.run().pipe(writeLines({ stdout, stderr, width: labelWidth([a, b]) })),
    );
    expect(events.at(-1)?.type).to.equal('end');
    expect(events.filter((e) => e.type === 'value')).to.have.length(6);
    expect(stdout.text().split('\n').sort()).to.deep.equal(['', 'alpha:one', 'b    :two']);
    expect(stderr.text()).to.equal('alpha:oops\n');
  });

  it('writes copies of events (spread with a tag, structuredClone), on their own and on a scheduler stream', async () => {
    const binary = Buffer.from([0x61, 0xff, 0x62]);
    const events = [lineOf(h1, binary), chunkEvent('stdout', Buffer.from('c\nd'), h1), exitEvent(h1, 0)];
    const copies = [
      ...events.map((e) => ({ ...e, tag: 'spread' })),
      ...events.map((e) => structuredClone(e)),
    ];
    await run(of(...copies).pipe(writeLines({ stdout, stderr })));
    const expected = Buffer.from('h1:a\xffb\nh1:c\nh1:d\n', 'latin1');
    expect(Buffer.concat(stdout.chunks).equals(Buffer.concat([expected, expected]))).to.equal(true);
    const tagged = new Scheduler([new Job(() => of(...events))])
      .run()
      .pipe(map((e) => (e.type === 'value' ? { ...e, value: { ...(e.value as object), tag: 'x' } } : e)));
    const more = new Sink();
    await run(tagged.pipe(writeLines({ stdout: more, stderr })));
    expect(Buffer.concat(more.chunks).equals(expected)).to.equal(true);
    expect(stderr.text()).to.equal('');
  });

  it('writes the text of a copy whose text was changed (a redaction), and binary lines byte for byte', async () => {
    const secret = lineOf(h1, 'password=hunter2');
    const binary = lineOf(h1, Buffer.from([0x61, 0xff, 0x62]));
    const redacted = [secret, binary].map((e) => ({ ...e, text: e.text.replace('hunter2', '***') }));
    await run(of(...redacted).pipe(writeLines({ stdout, stderr })));
    const expected = Buffer.concat([Buffer.from('h1:password=***\n'), Buffer.from('h1:a\xffb\n', 'latin1')]);
    expect(Buffer.concat(stdout.chunks).equals(expected)).to.equal(true);
    expect(await lastValueFrom(of(...redacted, exitEvent(h1, 0)).pipe(captureStdout()))).to.contain(
      'password=***',
    );
  });

  it('writes a line event made by hand as { type, stream, text, node }, as a whole line', async () => {
    const byHand = { type: 'line', stream: 'stdout', text: 'made by hand', node: h1 };
    await run(of(byHand as unknown as CommandEvent).pipe(writeLines({ stdout, stderr })));
    expect(stdout.text()).to.equal('h1:made by hand\n');
  });

  it('keeps every line whole when many hosts stream big lines at once into a slow stream', async () => {
    const hosts = Array.from({ length: 20 }, (_, i) => nodeNamed(`host${String(i)}`));
    const perHost = 30;
    const body = (host: number, n: number): string =>
      `${String(host)}-${String(n)}-${'x'.repeat(20_000 + n)}`;
    const slow = new Sink({ slow: true, highWaterMark: 1024 });
    const streams = hosts.map((node, h) =>
      scheduled(
        Array.from({ length: perHost }, (_, n) =>
          lineOf(node, body(h, n), n % 3 === 0 ? 'stderr' : 'stdout'),
        ),
        asapScheduler,
      ),
    );
    await run(merge(...streams).pipe(writeLines({ stdout: slow, stderr: slow })));
    // every write holds whole lines only
    expect(slow.chunks.length).to.be.greaterThan(1);
    const seen = new Map<string, number[]>();
    let previousHost = '';
    let switches = 0;
    for (const chunk of slow.chunks) {
      const text = chunk.toString();
      expect(text, text.slice(0, 40)).to.match(/^(host\d+:\d+-\d+-x+\n)+$/);
      for (const [, label = '', h = '', n = '', xs = ''] of text.matchAll(/(host\d+):(\d+)-(\d+)-(x+)\n/g)) {
        expect(label).to.equal(`host${h}`);
        expect(xs.length).to.equal(20_000 + Number(n));
        seen.set(label, [...(seen.get(label) ?? []), Number(n)]);
        if (label !== previousHost) switches++;
        previousHost = label;
      }
    }
    // in order for each host, and the hosts really were interleaved
    for (const numbers of seen.values())
      expect(numbers).to.deep.equal(Array.from({ length: perHost }, (_, n) => n));
    expect(seen.size).to.equal(hosts.length);
    expect(switches).to.be.greaterThan(hosts.length);
  });

  it('completes only once the streams have drained', async () => {
    const slow = new Sink({ slow: true, highWaterMark: 16 });
    const lines = Array.from({ length: 100 }, (_, i) => lineOf(h1, `line ${String(i)}`));
    await run(scheduled(lines, asapScheduler).pipe(writeLines({ stdout: slow, stderr })));
    expect(slow.writableNeedDrain).to.equal(false);
    expect(slow.chunks).to.have.length(100);
  });

  it('streams 1 MB from each of 20 hosts through', async () => {
    const counting = new (class extends Writable {
      bytes = 0;
      writes = 0;
      override _write(chunk: Buffer, _e: BufferEncoding, callback: () => void): void {
        this.bytes += chunk.length;
        this.writes++;
        callback();
      }
    })();
    const line = 'y'.repeat(1023);
    const hosts = Array.from({ length: 20 }, (_, i) => nodeNamed(`h${String(i).padStart(2, '0')}`));
    const streams = hosts.map((node) =>
      scheduled(
        Array.from({ length: 1024 }, () => lineOf(node, line)),
        asapScheduler,
      ),
    );
    await run(merge(...streams).pipe(writeLines({ stdout: counting, stderr, width: 3 })));
    expect(counting.writes).to.be.within(20, 20 * 1024);
    expect(counting.bytes).to.equal(20 * 1024 * (4 + 1024));
  });

  it('errors, naming the stream, when a stream emits an error (such as EPIPE)', async () => {
    const events$ = new Observable<CommandEvent>((subscriber) => {
      subscriber.next(lineOf(h1, 'a'));
      stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    });
    const e = await rejection(run(events$.pipe(writeLines({ stdout, stderr }))));
    expect(e).to.be.instanceOf(Error);
    expect((e as Error).message).to.equal('cannot write to stdout: write EPIPE');
    expect((e as Error).cause).to.have.property('code', 'EPIPE');
    expect(stdout.listenerCount('error')).to.equal(0);
  });

  it('passes an error of the source on, and leaves no listener behind', async () => {
    const boom = new Error('boom');
    const e = await rejection(run(throwError(() => boom).pipe(writeLines({ stdout, stderr }))));
    expect(e).to.equal(boom);
    expect(stdout.listenerCount('error') + stderr.listenerCount('error')).to.equal(0);
  });
});

describe('writeLines with chunk events', () => {
  let stdout: Sink;
  let stderr: Sink;
  beforeEach(() => {
    stdout = new Sink();
    stderr = new Sink();
  });
  const chunkOf = (node: NodeRef, bytes: string | Buffer, stream: OutputStream = 'stdout') =>
    chunkEvent(stream, typeof bytes === 'string' ? Buffer.from(bytes) : bytes, node);

  it('cuts chunks into host-prefixed lines, a partial last line at the exit, and passes every event on', async () => {
    const euro = Buffer.from('€');
    const events: CommandEvent[] = [
      chunkOf(h1, 'one\ntw'),
      chunkOf(h1, 'err', 'stderr'),
      chunkOf(h1, Buffer.concat([Buffer.from('o '), euro.subarray(0, 2)])),
      chunkOf(h1, Buffer.concat([euro.subarray(2), Buffer.from('\n\nlast')])),
      exitEvent(h1, 0),
    ];
    const passed = await run(of(...events).pipe(writeLines({ stdout, stderr })));
    expect(passed).to.deep.equal(events);
    expect(stdout.text()).to.equal('h1:one\nh1:two €\nh1:\nh1:last\n');
    expect(stderr.text()).to.equal('h1:err\n');
    // every write holds whole lines: a multi-byte character is never cut
    for (const chunk of stdout.chunks) expect(chunk.toString()).to.match(/^(h1:[^\n]*\n)+$/);
  });

  it('never mixes two hosts mid-line, whatever the chunks cut', async () => {
    const h2 = nodeNamed('h2');
    const events$ = new Observable<CommandEvent>((subscriber) => {
      subscriber.next(chunkOf(h1, 'h1 line one\nh1 li'));
      subscriber.next(chunkOf(h2, 'h2 li'));
      setImmediate(() => {
        subscriber.next(chunkOf(h2, 'ne one\nh2 line two\n'));
        subscriber.next(chunkOf(h1, 'ne two\nh1 partial'));
        subscriber.next(exitEvent(h2, 0));
        setImmediate(() => {
          subscriber.next(exitEvent(h1, 0));
          subscriber.complete();
        });
      });
    });
    await run(events$.pipe(writeLines({ stdout, stderr })));
    expect(stdout.text()).to.equal(
      'h1:h1 line one\nh2:h2 line one\nh2:h2 line two\nh1:h1 line two\nh1:h1 partial\n',
    );
  });

  it('keeps the chunks of two jobs on one node apart on a scheduler stream', async () => {
    const slowly = (...values: CommandEvent[]) =>
      new Observable<CommandEvent>((subscriber) => {
        let i = 0;
        const next = (): void => {
          if (i < values.length) {
            subscriber.next(values[i++] as CommandEvent);
            setImmediate(next);
          } else subscriber.complete();
        };
        next();
      });
    const scheduler = new Scheduler(
      [
        new Job(() => slowly(chunkOf(h1, 'first '), chunkOf(h1, 'job\n'), exitEvent(h1, 0)), { label: 'j1' }),
        new Job(() => slowly(chunkOf(h1, 'second '), chunkOf(h1, 'job\n'), exitEvent(h1, 0)), {
          label: 'j2',
        }),
      ],
      { label: 'main' },
    );
    await run(scheduler.run().pipe(writeLines({ stdout, stderr })));
    expect(stdout.text().split('\n').sort()).to.deep.equal(['', 'h1:first job', 'h1:second job']);
  });

  it('writes the bytes of whole lines in raw format, a partial line once its end or its exit comes', async () => {
    const h2 = nodeNamed('h2');
    const big = 'x'.repeat(100_000);
    const events$ = new Observable<CommandEvent>((subscriber) => {
      subscriber.next(chunkOf(h1, `a\n${big}`));
      subscriber.next(chunkOf(h2, 'b1\nb2\nb'));
      subscriber.next(chunkOf(h1, 'y\nc'));
      subscriber.next(chunkOf(h2, '3', 'stderr'));
      subscriber.next(exitEvent(h2, 0));
      subscriber.next(chunkOf(h1, '\n'));
      subscriber.next(chunkOf(h1, 'no end'));
      subscriber.complete();
    });
    await run(events$.pipe(writeLines({ stdout, stderr, format: 'raw' })));
    expect(stdout.text()).to.equal(`a\nb1\nb2\n${big}y\nbc\nno end`);
    expect(stderr.text()).to.equal('3');
  });

  it('writes the partial lines when the source errors or the subscriber leaves', async () => {
    const events$ = new Observable<CommandEvent>((subscriber) => {
      subscriber.next(chunkOf(h1, 'whole\npartial'));
      subscriber.error(new Error('lost'));
    });
    await rejection(run(events$.pipe(writeLines({ stdout, stderr }))));
    expect(stdout.text()).to.equal('h1:whole\nh1:partial\n');
    const subscription = new Observable<CommandEvent>((subscriber) => {
      subscriber.next(chunkOf(h1, 'before leaving', 'stderr'));
    })
      .pipe(writeLines({ stdout, stderr }))
      .subscribe({ error: () => undefined });
    subscription.unsubscribe();
    expect(stderr.text()).to.equal('h1:before leaving\n');
  });
});
