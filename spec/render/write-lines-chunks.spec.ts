// writeLines on chunk events in host format (issue 15): the lines of a chunk are prefixed at once, with no
// per-line event, string or part. These tests give random chunkings of random outputs (long lines, CRLF, no
// final newline, empty lines, invalid UTF-8, several hosts, jobs and streams interleaved) and check that
// writeLines writes the very bytes that the per-line path writes: ChunkLines.push, linePartsOf and OpenLines,
// put together as writeLines put them together before (`perLine` below).
import { Writable } from 'node:stream';

import { expect } from 'chai';
import { asapScheduler, from, lastValueFrom, scheduled, toArray } from 'rxjs';
import type { Observable } from 'rxjs';

import type { SchedulerEvent } from '../../lib/core/events.js';
import { ChunkLines } from '../../lib/nodes/chunk-lines.js';
import { bytesOf, chunkEvent, exitEvent } from '../../lib/nodes/command-event.js';
import type { CommandEvent, LineEvent, NodeRef, OutputStream } from '../../lib/nodes/command-event.js';
import { commandEventOf } from '../../lib/render/text/command-events.js';
import { labelWidth, linePartsOf } from '../../lib/render/text/host-lines.js';
import { OpenLines } from '../../lib/render/text/open-lines.js';
import { writeLines } from '../../lib/render/write-lines.js';
import { randomFrom } from '../helpers/random.js';

type Event = CommandEvent | SchedulerEvent;

/** A memory Writable that keeps every chunk of every write. */
class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    callback();
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/**
 * The bytes writeLines wrote before it prefixed chunks at once, for host format without time stamps: each
 * chunk cut into line events per source, each line's parts `[prefix, bytes, \n]` through OpenLines (pieces
 * of long lines), per output; lines still open at the end written with the owner of the last event.
 */
function perLine(
  events: readonly Event[],
  options: { width: number; maxLineBytes: number | undefined; oneOutput: boolean },
): { stdout: Buffer; stderr: Buffer } {
  const partsOf = linePartsOf({ width: options.width }, bytesOf);
  const chunks = new ChunkLines(options.maxLineBytes);
  const pieces = new OpenLines();
  const stdout: Buffer[] = [];
  const stderr = options.oneOutput ? stdout : [];
  let from: object | undefined;
  const write = (line: LineEvent): void => {
    const target = line.stream === 'stdout' ? stdout : stderr;
    target.push(...pieces.parts(target, line, partsOf(line), from));
  };
  for (const event of events) {
    const command = commandEventOf(event);
    if (command === undefined) continue;
    const owner = event.type === 'value' ? event.job : undefined;
    from = owner;
    if (command.type === 'chunk') chunks.push(owner, command, write);
    else if (command.type === 'exit') chunks.end(owner, command.node, write);
  }
  chunks.endAll(write);
  return { stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) };
}

/** What writeLines writes for `events`, per output (one Sink for both when `oneOutput`). */
async function written(
  events$: Observable<Event>,
  options: { width: number; maxLineBytes: number | undefined; oneOutput: boolean },
): Promise<{ stdout: Buffer; stderr: Buffer; writes: Buffer[] }> {
  const stdout = new Sink();
  const stderr = options.oneOutput ? stdout : new Sink();
  await lastValueFrom(
    events$.pipe(
      writeLines({ stdout, stderr, width: options.width, maxLineBytes: options.maxLineBytes }),
      toArray(),
    ),
  );
  return {
    stdout: stdout.bytes(),
    stderr: options.oneOutput ? stdout.bytes() : stderr.bytes(),
    writes: [...stdout.chunks, ...(options.oneOutput ? [] : stderr.chunks)],
  };
}

/** Where two byte strings first differ, with the bytes around it, for a readable failure. */
const firstDifference = (a: Buffer, b: Buffer): string => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const around = (x: Buffer): string =>
    JSON.stringify(x.subarray(Math.max(0, i - 20), i + 20).toString('latin1'));
  return `lengths ${String(a.length)} and ${String(b.length)}, first difference at ${String(i)}: ${around(a)} against ${around(b)}`;
};

const expectSame = (actual: Buffer, expected: Buffer, what: string): void => {
  if (!actual.equals(expected)) expect.fail(`${what}: ${firstDifference(actual, expected)}`);
};

/** A random line's bytes (without its `\n`): of every kind that the output of a command may hold. */
const lineOf = (random: () => number, max: number): Buffer => {
  const pick = Math.floor(random() * 10);
  const ascii = (n: number): string =>
    'abcdefghij klmnopqrstuvwxyz0123456789'.repeat(Math.ceil(n / 37) + 1).slice(0, n);
  const n = Math.floor(random() * Math.min(max, 60));
  switch (pick) {
    case 0:
      return Buffer.alloc(0); // an empty line
    case 1:
      return Buffer.from(`${ascii(n)}\r`); // CRLF
    case 2:
      return Buffer.from(ascii(max + 1 + Math.floor(random() * 3 * max))); // longer than the limit
    case 3:
      return Buffer.from(`é日😀 ${ascii(n)} ${'日'.repeat(Math.floor(random() * max))}`); // multi-byte, maybe long
    case 4:
      return Buffer.from([0xff, 0xc3, 0x28, 0x80, 0xe6, 0x97, 0x0d, 0x00, 0xfe]); // invalid UTF-8, NUL, CR
    case 5:
      return Buffer.from(`$& $1 $$ ${ascii(n)}`); // what replace() reads as patterns
    default:
      return Buffer.from(ascii(n));
  }
};

/** A random output: lines, with a final `\n` or not. */
const outputOf = (random: () => number, max: number): Buffer => {
  const lines: Buffer[] = [];
  const count = Math.floor(random() * 30);
  for (let i = 0; i < count; i++) lines.push(lineOf(random, max), Buffer.from('\n'));
  if (random() < 0.5) lines.push(lineOf(random, max)); // no final newline (or an empty last line: none)
  return Buffer.concat(lines);
};

/** `bytes` cut at random points: pieces of 1 byte to a few times the limit. */
const chunksOf = (random: () => number, bytes: Buffer, max: number): Buffer[] => {
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = 1 + Math.floor(random() * (random() < 0.2 ? 4 * max : max / 2 + 2));
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
};

const nodes: readonly NodeRef[] = [
  { label: 'h1', hostname: 'h1' },
  { label: 'host-2', hostname: 'h2' },
  { label: 'h$&3', hostname: 'h3' }, // a label with a replace() pattern in it
  { label: 'hé', hostname: 'h4' }, // a label with a multi-byte character
];

/**
 * The events of one random case: each source (a node, within a job when `jobs`; two jobs may share a node)
 * sends its stdout and stderr chunks, interleaved at random with the other sources'; most sources then exit,
 * some do not (their last lines are written at the end of the stream).
 */
const caseOf = (random: () => number, max: number, jobs: boolean): Event[] => {
  const owners: (object | undefined)[] = jobs ? [{ name: 'j1' }, { name: 'j2' }] : [undefined];
  const sources = owners.flatMap((owner) =>
    nodes
      .filter(() => random() < 0.8)
      .map((node) => ({
        owner,
        node,
        queues: (['stdout', 'stderr'] as OutputStream[]).map((stream) =>
          chunksOf(random, outputOf(random, max), max).map((bytes) => chunkEvent(stream, bytes, node)),
        ),
        exits: random() < 0.85,
      })),
  );
  const wrap = (owner: object | undefined, event: CommandEvent): Event =>
    owner === undefined
      ? event
      : ({ type: 'value', job: owner, scheduler: undefined, value: event } as unknown as Event);
  const events: Event[] = [];
  let live = sources.filter((s) => s.queues.some((q) => q.length > 0) || s.exits);
  while (live.length > 0) {
    const source = live[Math.floor(random() * live.length)];
    if (source === undefined) break;
    const queues = source.queues.filter((q) => q.length > 0);
    const queue = queues[Math.floor(random() * queues.length)];
    const chunk = queue?.shift();
    if (chunk !== undefined) events.push(wrap(source.owner, chunk));
    else {
      if (source.exits) events.push(wrap(source.owner, exitEvent(source.node, 0)));
      live = live.filter((s) => s !== source);
    }
  }
  return events;
};

describe('writeLines on chunks, host format (the lines of a chunk prefixed at once)', () => {
  const width = labelWidth(nodes);

  it('writes the bytes of the per-line path over 400 random chunkings: long lines, CRLF, invalid UTF-8, no final newline, hosts, jobs and streams interleaved', async () => {
    const random = randomFrom(15);
    for (let trial = 0; trial < 400; trial++) {
      const max = [4, 8, 16, 100][trial % 4] as number;
      const options = {
        width: trial % 3 === 0 ? 0 : width,
        maxLineBytes: trial % 8 === 7 ? undefined : max,
        oneOutput: trial % 5 === 0,
      };
      const events = caseOf(random, max, trial % 2 === 1);
      const expected = perLine(events, options);
      const events$ = trial % 6 === 0 ? scheduled(events, asapScheduler) : from(events);
      const actual = await written(events$, options);
      expectSame(actual.stdout, expected.stdout, `trial ${String(trial)}, stdout`);
      expectSame(actual.stderr, expected.stderr, `trial ${String(trial)}, stderr`);
    }
  });

  it('writes whole lines only in every write() when no line is over the limit: hosts never mix mid-line', async () => {
    const random = randomFrom(1515);
    for (let trial = 0; trial < 100; trial++) {
      const options = { width, maxLineBytes: undefined, oneOutput: trial % 2 === 0 };
      const events = caseOf(random, 100, trial % 2 === 1);
      const actual = await written(from(events), options);
      for (const write of actual.writes)
        expect(write[write.length - 1], `trial ${String(trial)}`).to.equal(0x0a);
      const expected = perLine(events, options);
      expectSame(actual.stdout, expected.stdout, `trial ${String(trial)}, stdout`);
    }
  });

  it('keeps a line of just the limit open for its next chunk, and writes one byte over at once as a piece', async () => {
    const [h1, h2] = nodes as [NodeRef, NodeRef];
    const run = async (head: string): Promise<string> => {
      const events = [
        chunkEvent('stdout', Buffer.from(head), h1),
        chunkEvent('stdout', Buffer.from('x\n'), h2),
        chunkEvent('stdout', Buffer.from('0\n'), h1),
      ];
      const options = { width: 0, maxLineBytes: 8, oneOutput: false };
      const actual = await written(from(events), options);
      expectSame(actual.stdout, perLine(events, options).stdout, head);
      return actual.stdout.toString();
    };
    expect(await run('12345678')).to.equal('host-2:x\nh1:123456780\n');
    expect(await run('123456789')).to.equal('h1:12345678\nhost-2:x\nh1:90\n');
  });

  it('writes the lines of chunks of later ticks as views of one slab: no buffer made nor copied per write()', async () => {
    const line = `${'y'.repeat(99)}\n`;
    const events = Array.from({ length: 20 }, () =>
      chunkEvent('stdout', Buffer.from(line.repeat(100)), nodes[0] as NodeRef),
    );
    const options = { width: 0, maxLineBytes: undefined, oneOutput: false };
    const actual = await written(scheduled(events, asapScheduler), options);
    expect(actual.writes).to.have.length(20);
    expect(new Set(actual.writes.map((w) => w.buffer)).size).to.equal(1);
    expect(actual.stdout.toString()).to.equal(`h1:${line}`.repeat(2000));
  });

  it('reuses its slab for a stream that writes at once (a file as stdout), never one that a kept stream was given', async () => {
    /** A stream that writes each chunk before write() returns, as Node's own for a file on stdout. */
    class SyncWriteStream extends Writable {
      readonly copies: Buffer[] = [];
      readonly given = new Set<ArrayBufferLike>();
      override _write(
        chunk: Buffer,
        _encoding: BufferEncoding,
        callback: (error?: Error | null) => void,
      ): void {
        this.copies.push(Buffer.from(chunk));
        this.given.add(chunk.buffer);
        callback();
      }
    }
    const random = randomFrom(99);
    const nodeOf = (i: number): NodeRef => nodes[i % nodes.length] as NodeRef;
    const text = Buffer.from(`${'z'.repeat(60)}\n`.repeat(1000));
    for (const withErr of [false, true]) {
      const events = Array.from({ length: 200 }, (_, i) =>
        chunkEvent(withErr && random() < 0.3 ? 'stderr' : 'stdout', text, nodeOf(i)),
      );
      const stdout = new SyncWriteStream();
      const stderr = new Sink(); // keeps what it is given
      const options = { width, maxLineBytes: undefined, oneOutput: false };
      await lastValueFrom(
        scheduled(events, asapScheduler).pipe(writeLines({ stdout, stderr, width }), toArray()),
      );
      const expected = perLine(events, options);
      expectSame(Buffer.concat(stdout.copies), expected.stdout, 'stdout');
      expectSame(stderr.bytes(), expected.stderr, 'stderr');
      // 12 MiB through one slab when stdout alone is written; slabs not reused once stderr got a part of one
      if (withErr) expect(stdout.given.size).to.be.above(1);
      else expect(stdout.given.size).to.equal(1);
    }
  });

  it('never reuses its slab for a stdout whose write() someone replaced to keep what it is given (a capture)', async () => {
    class SyncWriteStream extends Writable {
      override _write(
        _chunk: Buffer,
        _encoding: BufferEncoding,
        callback: (error?: Error | null) => void,
      ): void {
        callback();
      }
    }
    const stdout = new SyncWriteStream();
    const kept: Buffer[] = [];
    const write = stdout.write.bind(stdout);
    // what a capture or logging library does to process.stdout: keeps the chunks, not copies
    stdout.write = ((chunk: Buffer, ...rest: never[]) => {
      kept.push(chunk);
      return write(chunk, ...rest);
    }) as typeof stdout.write;
    const text = Buffer.from(`${'q'.repeat(60)}\n`.repeat(1000));
    const events = Array.from({ length: 50 }, (_, i) => chunkEvent('stdout', text, nodes[i % 3] as NodeRef));
    const options = { width, maxLineBytes: undefined, oneOutput: false };
    await lastValueFrom(
      scheduled(events, asapScheduler).pipe(writeLines({ stdout, stderr: new Sink(), width }), toArray()),
    );
    expectSame(Buffer.concat(kept), perLine(events, options).stdout, 'stdout');
  });

  it('writes the same bytes over many batches and slabs: 3 hosts, 3 MiB each, and a chunk of 2 MiB of lines (more than a slab)', async () => {
    const random = randomFrom(7);
    const text = (n: number): Buffer => {
      const lines: string[] = [];
      let size = 0;
      while (size < n) {
        const line = 'x'.repeat(Math.floor(random() * 150));
        lines.push(line);
        size += line.length + 1;
      }
      return Buffer.from(`${lines.join('\n')}\n`);
    };
    const outputs = nodes
      .slice(0, 3)
      .map((node) => ({ node, chunks: chunksOf(random, text(3 * 1024 * 1024), 64 * 1024) }));
    const events: Event[] = [];
    for (let i = 0; outputs.some((o) => i < o.chunks.length); i++)
      for (const { node, chunks } of outputs) {
        const chunk = chunks[i];
        if (chunk !== undefined) events.push(chunkEvent('stdout', chunk, node));
      }
    events.push(chunkEvent('stdout', text(2 * 1024 * 1024), nodes[3] as NodeRef));
    const options = { width, maxLineBytes: undefined, oneOutput: false };
    const actual = await written(from(events), options);
    expectSame(actual.stdout, perLine(events, options).stdout, 'stdout');
    for (const write of actual.writes) expect(write[write.length - 1]).to.equal(0x0a);
    // each batch one view of a slab of 1 MiB or more, never copied again (Buffer.concat) across two slabs
    for (const write of actual.writes) expect(write.buffer.byteLength).to.be.at.least(1024 * 1024);
  });
});
