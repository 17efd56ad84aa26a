// Bounded memory for huge outputs (issue 11 §4): lines over maxLineBytes come in pieces (LineSplitter, the
// renderers, LocalNode), and a held Flow stops a LocalNode command's output from being read.
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';

import { expect } from 'chai';
import { lastValueFrom, of, toArray } from 'rxjs';

import type { SchedulerEvent } from '../../lib/core/events.js';
import { Job } from '../../lib/core/job.js';
import { Scheduler } from '../../lib/scheduler.js';
import { continuesLine, lineEvent } from '../../lib/nodes/command-event.js';
import type { CommandEvent, LineEvent, NodeRef } from '../../lib/nodes/command-event.js';
import { Flow } from '../../lib/nodes/flow.js';
import { LineSplitter } from '../../lib/nodes/line-splitter.js';
import { LocalNode } from '../../lib/nodes/local/local-node.js';
import { lines } from '../../lib/nodes/operators.js';
import { OutputCollector } from '../../lib/render/text/gather.js';
import { writeLines } from '../../lib/render/write-lines.js';
import { toJsonRecord } from '../../lib/render/text/json-lines.js';
import { eventually } from '../helpers/eventually.js';

const h1: NodeRef = { label: 'h1', hostname: 'h1' };
const h2: NodeRef = { label: 'h2', hostname: 'h2' };
const fixture = (name: string) => fileURLToPath(new URL(`../helpers/fixtures/${name}`, import.meta.url));
const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The bytes line events stand for: each with its `\n` when it had one. */
const joined = (events: readonly LineEvent[]): Buffer =>
  Buffer.concat(events.flatMap((e) => (e.newline ? [e.bytes, Buffer.from('\n')] : [e.bytes])));

/** Cuts `bytes` into chunks of `size` and splits them with a limit of `max`. */
const split = (bytes: Buffer, size: number, max: number): LineEvent[] => {
  const splitter = new LineSplitter('stdout', h1, max);
  const got: LineEvent[] = [];
  const emit = (line: LineEvent) => got.push(line);
  for (let at = 0; at < bytes.length; at += size) splitter.push(bytes.subarray(at, at + size), emit);
  splitter.end(emit);
  return got;
};

describe('long lines (maxLineBytes)', () => {
  it('LineSplitter: a line over the limit comes in pieces of at most the limit, exact, never cutting a character', () => {
    const text = `short\n${'é€x'.repeat(40)}\nmid ${'y'.repeat(25)}\n${'z'.repeat(33)}`;
    const bytes = Buffer.from(text);
    for (const size of [1, 3, 7, 16, 64, 1000])
      for (const max of [4, 10, 29]) {
        const got = split(bytes, size, max);
        expect(joined(got).equals(bytes), `chunks of ${String(size)}, limit ${String(max)}`).to.equal(true);
        for (const e of got) {
          expect(e.bytes.length).to.be.at.most(max);
          expect(e.text).to.not.include('\uFFFD');
          if (continuesLine(e)) expect(e.newline).to.equal(false);
        }
        // the lines, rebuilt from their pieces
        const whole: string[] = [];
        let open = '';
        for (const e of got) {
          open += e.text;
          if (!continuesLine(e)) {
            whole.push(open);
            open = '';
          }
        }
        expect(whole).to.deep.equal(text.split('\n'));
      }
  });

  it('LineSplitter: a line just at the limit stays one event; cut() gives the pending bytes once over the limit', () => {
    expect(split(Buffer.from('abcd\n'), 2, 4).map((e) => [e.text, continuesLine(e)])).to.deep.equal([
      ['abcd', false],
    ]);
    const splitter = new LineSplitter('stdout', h1, 8);
    expect(splitter.cut(Buffer.from('12345'))).to.deep.equal([]);
    expect(Buffer.concat(splitter.cut(Buffer.from('6789'))).toString()).to.equal('123456789');
    expect(Buffer.concat(splitter.cut(Buffer.from('ab\ncd'))).toString()).to.equal('ab\n');
  });

  it('LocalNode: a 10 MB line comes as pieces of at most 1 MiB by default, with its exact bytes', async () => {
    const events = await lastValueFrom(
      new LocalNode().exec(`${q(process.execPath)} ${q(fixture('bytes.mjs'))}`).pipe(toArray()),
    );
    const out = events.filter((e): e is LineEvent => e.type === 'line' && e.stream === 'stdout');
    const digest = events.find((e): e is LineEvent => e.type === 'line' && e.stream === 'stderr')?.text;
    expect(sha(joined(out))).to.equal(digest);
    expect(Math.max(...out.map((e) => e.bytes.length))).to.equal(1024 * 1024);
    expect(out.filter(continuesLine).length).to.equal(9); // 10 MiB in 10 pieces
    expect(out.filter((e) => continuesLine(e) && e.newline)).to.deep.equal([]);
  });

  it('lines() joins the pieces of a long line; so does the -b collector', async () => {
    const got = await lastValueFrom(
      new LocalNode().exec(`printf '%s\\nend' abcdefghij`, { maxLineBytes: 4 }).pipe(lines(), toArray()),
    );
    expect(got).to.deep.equal(['abcdefghij', 'end']);
    const collector = new OutputCollector();
    collector.add('h1', 'stdout', 'abc', true);
    collector.add('h1', 'stderr', 'err');
    collector.add('h1', 'stdout', 'def');
    collector.add('h1', 'stdout', 'next');
    expect(collector.outputs()[0]?.lines).to.deep.equal(['abcdef', 'next', 'err']);
  });

  it('the -b collector keeps the first 64 Mi characters of a longer line and says how many it left out', () => {
    const collector = new OutputCollector();
    const piece = 'x'.repeat(16 * 1024 * 1024);
    for (let i = 0; i < 5; i++) collector.add('h1', 'stdout', piece, true);
    collector.add('h1', 'stdout', 'end');
    collector.add('h1', 'stdout', 'next');
    const [output] = collector.outputs();
    const kept = output?.lines ?? [];
    expect(kept).to.have.length(2);
    expect(kept[0]?.length).to.be.below(64 * 1024 * 1024 + 100);
    expect(
      kept[0]?.endsWith(`x [... ${String(16 * 1024 * 1024 + 3)} more characters of this line not kept]`),
    ).to.equal(true);
    expect(kept[1]).to.equal('next');
  });

  it('--json records: one per piece, with continues on all but the last', async () => {
    const events = await lastValueFrom(
      new LocalNode().exec(`printf '%s\\n' abcdefghij`, { maxLineBytes: 4 }).pipe(toArray()),
    );
    const records = events.filter((e) => e.type === 'line').map((e) => toJsonRecord(e, 't'));
    expect(records.map((r) => JSON.stringify(r))).to.deep.equal([
      '{"ts":"t","type":"line","host":"localhost","stream":"stdout","text":"abcd","newline":false,"continues":true}',
      '{"ts":"t","type":"line","host":"localhost","stream":"stdout","text":"efgh","newline":false,"continues":true}',
      '{"ts":"t","type":"line","host":"localhost","stream":"stdout","text":"ij","newline":true}',
    ]);
  });

  it('writeLines: the pieces behind one prefix; a line of another host between them ends the line first', async () => {
    const piece = (node: NodeRef, text: string): LineEvent => ({
      ...lineEvent('stdout', Buffer.from(text), false, node),
      continues: true,
    });
    const events: CommandEvent[] = [
      piece(h1, 'aaa'),
      piece(h1, 'bbb'),
      lineEvent('stdout', Buffer.from('c'), true, h1),
      piece(h1, 'ddd'),
      lineEvent('stdout', Buffer.from('other'), true, h2),
      lineEvent('stdout', Buffer.from('e'), true, h1),
    ];
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await lastValueFrom(of(...events).pipe(writeLines({ stdout: out, stderr: out }), toArray()));
    expect(Buffer.concat(chunks).toString()).to.equal('h1:aaabbbc\nh1:ddd\nh2:other\nh1:e\n');
  });

  it('writeLines: two jobs on one node are two sources: their pieces never join under one prefix', async () => {
    const scheduler = new Scheduler([], { label: 's' });
    const [a, b] = [new Job(() => of(0), { label: 'a' }), new Job(() => of(0), { label: 'b' })];
    const value = (job: Job, line: LineEvent): SchedulerEvent => ({
      type: 'value',
      job,
      scheduler,
      value: line,
    });
    const piece = (text: string): LineEvent => ({
      ...lineEvent('stdout', Buffer.from(text), false, h1),
      continues: true,
    });
    const events: SchedulerEvent[] = [
      value(a, piece('aaa')),
      value(b, piece('bbb')),
      value(a, lineEvent('stdout', Buffer.from('A'), true, h1)),
      value(b, lineEvent('stdout', Buffer.from('B'), true, h1)),
    ];
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await lastValueFrom(of(...events).pipe(writeLines({ stdout: out, stderr: out }), toArray()));
    expect(Buffer.concat(chunks).toString()).to.equal('h1:aaa\nh1:bbb\nh1:A\nh1:B\n');
  });

  it('writeLines: chunks cut into lines over maxLineBytes are written as they come, exact', async () => {
    const node = new LocalNode({ label: 'h' });
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await lastValueFrom(
      node
        .exec(`head -c 300000 /dev/zero | tr '\\0' a; echo; echo b`, { output: 'chunks' })
        .pipe(writeLines({ stdout: out, stderr: out, maxLineBytes: 1000 }), toArray()),
    );
    expect(Buffer.concat(chunks).toString()).to.equal(`h:${'a'.repeat(300000)}\nh:b\n`);
  });

  it('a held Flow stops the reading of a LocalNode command; releasing it delivers everything', async function () {
    this.timeout(20_000);
    const flow = new Flow();
    const size = 20 * 1024 * 1024;
    let received = 0;
    let release: (() => void) | undefined;
    const done = lastValueFrom(
      new LocalNode().exec(`head -c ${String(size)} /dev/zero`, { flow, output: 'chunks' }).pipe(toArray()),
    );
    const counting = new Promise<CommandEvent[]>((resolve, reject) => {
      new LocalNode()
        .exec(`head -c ${String(size)} /dev/zero; echo exit >&2`, { flow, output: 'chunks' })
        .subscribe({
          next: (e) => {
            if (e.type === 'chunk' && e.stream === 'stdout') {
              received += e.bytes.length;
              release ??= flow.hold(); // a consumer that stops draining after its first chunk
            }
          },
          complete: () => {
            resolve([]);
          },
          error: reject,
        });
    });
    // the bytes read stop growing (both commands share the flow): the pipes are full, the writers blocked
    let last = -1;
    expect(
      await eventually(
        () => {
          const still = received === last && received > 0;
          last = received;
          return still;
        },
        10_000,
        300,
      ),
    ).to.equal(true);
    expect(received).to.be.below(1024 * 1024);
    expect(flow.held).to.equal(true);
    release?.();
    await counting;
    expect(received).to.equal(size);
    const events = await done;
    expect(events.reduce((n, e) => n + (e.type === 'chunk' ? e.bytes.length : 0), 0)).to.equal(size);
  });
});
