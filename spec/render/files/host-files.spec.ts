// One file per host and output stream: writeHostFiles() and hostFileName() (apssh's SubdirFormatter, fixed).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';
import { asapScheduler, lastValueFrom, merge, Observable, of, scheduled, tap, toArray } from 'rxjs';

import { Job, Scheduler } from '../../../lib/index.js';
import { chunkEvent, exitEvent, lineEvent } from '../../../lib/nodes/command-event.js';
import type { CommandEvent, LineEvent, NodeRef, OutputStream } from '../../../lib/nodes/command-event.js';
import { Flow } from '../../../lib/nodes/flow.js';
import { fileBufferBytes, hostFileName, writeHostFiles } from '../../../lib/render/files/host-files.js';
import { rejection } from '../../helpers/errors.js';

const nodeNamed = (label: string): NodeRef => ({ label, hostname: label });
const h1 = nodeNamed('h1');

const lineOf = (node: NodeRef, text: string | Buffer, stream: OutputStream = 'stdout', newline = true) =>
  lineEvent(stream, typeof text === 'string' ? Buffer.from(text) : text, newline, node);

const chunkOf = (node: NodeRef, bytes: string | Buffer, stream: OutputStream = 'stdout') =>
  chunkEvent(stream, typeof bytes === 'string' ? Buffer.from(bytes) : bytes, node);

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const run = <T>(events$: Observable<T>): Promise<T[]> =>
  lastValueFrom(events$.pipe(toArray()), { defaultValue: [] });

describe('hostFileName', () => {
  it('keeps ordinary labels as they are', () => {
    for (const label of ['h1', 'fit01', 'node.example.org', 'user@host', 'a b', 'x.errx', 'café'])
      expect(hostFileName(label)).to.equal(label);
  });

  it('percent-encodes %, /, \\ and NUL, a leading dot, and the dot of a final .err', () => {
    expect(hostFileName('a/b')).to.equal('a%2Fb');
    expect(hostFileName('../etc/passwd')).to.equal('%2E.%2Fetc%2Fpasswd');
    expect(hostFileName('.')).to.equal('%2E');
    expect(hostFileName('..')).to.equal('%2E.');
    expect(hostFileName('.hidden')).to.equal('%2Ehidden');
    expect(hostFileName('100%')).to.equal('100%25');
    expect(hostFileName('a\\b\0c')).to.equal('a%5Cb%00c');
    expect(hostFileName('h1.err')).to.equal('h1%2Eerr');
    expect(hostFileName('.err')).to.equal('%2Eerr');
    expect(hostFileName('')).to.equal('%');
  });

  it('gives distinct names to distinct labels, and no stdout name is another stderr name', () => {
    const labels = [
      'a',
      'a.err',
      'a%2Eerr',
      'a/b',
      'a%2Fb',
      '.a',
      '%2Ea',
      '',
      '%',
      '.',
      '..',
      'a\\b',
      '.err',
    ];
    const names = labels.map(hostFileName);
    const files = [...names, ...names.map((n) => `${n}.err`)];
    expect(new Set(files).size).to.equal(files.length);
    for (const name of names) {
      expect(name).to.not.match(/^\.|[/\\\0]/);
      expect(name).to.not.match(/\.err$/);
    }
  });
});

describe('writeHostFiles', () => {
  let root = '';
  let dir = '';
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'rxjobs-host-files-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  let count = 0;
  beforeEach(() => {
    count++;
    dir = join(root, `run${String(count)}`, 'nested');
  });

  it('writes stdout to <dir>/<label> and stderr to <dir>/<label>.err, bytes exactly, creating dir', async () => {
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0xc3, 0x28, 0x0a]);
    const events: CommandEvent[] = [
      lineOf(h1, 'first'),
      lineOf(h1, 'oops', 'stderr'),
      lineOf(h1, binary.subarray(0, 6)),
      lineOf(h1, 'no newline at the end', 'stdout', false),
      lineOf(h1, 'last err', 'stderr', false),
      exitEvent(h1, 0),
    ];
    const passed = await run(of(...events).pipe(writeHostFiles(dir)));
    expect(passed).to.deep.equal(events);
    expect((await readdir(dir)).sort()).to.deep.equal(['h1', 'h1.err']);
    const expected = Buffer.concat([Buffer.from('first\n'), binary, Buffer.from('no newline at the end')]);
    expect(sha256(await readFile(join(dir, 'h1')))).to.equal(sha256(expected));
    expect(await readFile(join(dir, 'h1.err'), 'utf8')).to.equal('oops\nlast err');
  });

  it('creates both files, truncated, on a host first event: an empty .err means no stderr', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'h1'), 'stale output of an earlier run\n');
    await writeFile(join(dir, 'h1.err'), 'stale errors\n');
    await run(of(lineOf(h1, 'fresh'), exitEvent(h1, 0)).pipe(writeHostFiles(dir)));
    expect(await readFile(join(dir, 'h1'), 'utf8')).to.equal('fresh\n');
    expect(await readFile(join(dir, 'h1.err'), 'utf8')).to.equal('');
  });

  it('creates the files of the `nodes` given at subscription, even for hosts without events', async () => {
    const silent = nodeNamed('silent');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'silent'), 'stale\n');
    await run(of(lineOf(h1, 'hello')).pipe(writeHostFiles(dir, { nodes: [h1, silent] })));
    expect((await readdir(dir)).sort()).to.deep.equal(['h1', 'h1.err', 'silent', 'silent.err']);
    expect(await readFile(join(dir, 'silent'), 'utf8')).to.equal('');
    expect(await readFile(join(dir, 'h1'), 'utf8')).to.equal('hello\n');
  });

  it('keeps unsafe labels inside dir, under their encoded names', async () => {
    const labels = ['../escape', '.hidden', 'a/b/c', 'x', 'x.err', '..'];
    const events = labels.map((label) => lineOf(nodeNamed(label), `from ${label}`));
    await run(of(...events).pipe(writeHostFiles(dir)));
    expect((await readdir(join(dir, '..'))).sort()).to.deep.equal(['nested']);
    const names = labels.map(hostFileName);
    expect((await readdir(dir)).sort()).to.deep.equal([...names, ...names.map((n) => `${n}.err`)].sort());
    for (const label of labels)
      expect(await readFile(join(dir, hostFileName(label)), 'utf8')).to.equal(`from ${label}\n`);
  });

  it('writes the command events of a scheduler stream, one pair of files per host', async () => {
    const a = nodeNamed('alpha');
    const b = nodeNamed('beta');
    const scheduler = new Scheduler(
      [
        new Job(() => of(lineOf(a, 'a1'), lineOf(a, 'a-err', 'stderr'), exitEvent(a, 1)), { label: 'ja' }),
        new Job(() => of(lineOf(b, 'b1'), lineOf(b, 'b2'), exitEvent(b, 0)), { label: 'jb' }),
        new Job(() => of(42), { label: 'other' }),
      ],
      { label: 'main' },
    );
    const events = await run(scheduler.run().pipe(writeHostFiles(dir)));
    expect(events.at(-1)?.type).to.equal('end');
    expect((await readdir(dir)).sort()).to.deep.equal(['alpha', 'alpha.err', 'beta', 'beta.err']);
    expect(await readFile(join(dir, 'alpha'), 'utf8')).to.equal('a1\n');
    expect(await readFile(join(dir, 'alpha.err'), 'utf8')).to.equal('a-err\n');
    expect(await readFile(join(dir, 'beta'), 'utf8')).to.equal('b1\nb2\n');
  });

  it('writes copies of events (spread with a tag, structuredClone) as the events, bytes exactly', async () => {
    const binary = Buffer.from([0x00, 0xff, 0xc3, 0x28]);
    const events = [
      lineOf(h1, binary),
      lineOf(h1, 'err', 'stderr'),
      chunkOf(h1, Buffer.from([0xfe, 0x0a, 0x41])),
      exitEvent(h1, 0),
    ];
    const copies = [...events.map((e) => ({ ...e, tag: 1 })), ...events.map((e) => structuredClone(e))];
    await run(of(...copies).pipe(writeHostFiles(dir)));
    const once = Buffer.concat([binary, Buffer.from([0x0a, 0xfe, 0x0a, 0x41])]);
    expect((await readFile(join(dir, 'h1'))).equals(Buffer.concat([once, once]))).to.equal(true);
    expect(await readFile(join(dir, 'h1.err'), 'utf8')).to.equal('err\nerr\n');
  });

  it('keeps the exact bytes of 20 hosts streaming binary output at once (sha256)', async () => {
    const hosts = Array.from({ length: 20 }, (_, i) => nodeNamed(`host${String(i).padStart(2, '0')}`));
    const expected = new Map<string, { out: Buffer[]; err: Buffer[] }>();
    const streams = hosts.map((node) => {
      const events: LineEvent[] = [];
      const mine = { out: [] as Buffer[], err: [] as Buffer[] };
      expected.set(node.label, mine);
      for (let i = 0; i < 200; i++) {
        // random bytes without \n, as the line splitter makes them; some big lines
        const bytes = Buffer.from(
          randomBytes(i % 50 === 0 ? 100_000 : 1 + (i % 300)).map((x) => (x === 10 ? 11 : x)),
        );
        const stream = i % 7 === 0 ? 'stderr' : 'stdout';
        events.push(lineOf(node, bytes, stream));
        (stream === 'stderr' ? mine.err : mine.out).push(bytes, Buffer.from('\n'));
      }
      return scheduled(events, asapScheduler);
    });
    await run(merge(...streams).pipe(writeHostFiles(dir)));
    for (const [label, { out, err }] of expected) {
      expect(sha256(await readFile(join(dir, label))), label).to.equal(sha256(Buffer.concat(out)));
      expect(sha256(await readFile(join(dir, `${label}.err`))), label).to.equal(sha256(Buffer.concat(err)));
    }
  });

  it('writes chunk events as they are, lines and chunks in the order they came', async () => {
    const binary = randomBytes(100_000);
    const euro = Buffer.from('€');
    const events: CommandEvent[] = [
      chunkOf(h1, 'a line\nand half'),
      chunkOf(h1, Buffer.concat([Buffer.from(' a line '), euro.subarray(0, 1)])),
      chunkOf(h1, 'err\nno newline', 'stderr'),
      chunkOf(h1, Buffer.concat([euro.subarray(1), Buffer.from('\n')])),
      lineOf(h1, 'then a line event'),
      chunkOf(h1, binary),
      exitEvent(h1, 0),
    ];
    const passed = await run(of(...events).pipe(writeHostFiles(dir)));
    expect(passed).to.deep.equal(events);
    const expected = Buffer.concat([Buffer.from('a line\nand half a line €\nthen a line event\n'), binary]);
    expect(sha256(await readFile(join(dir, 'h1')))).to.equal(sha256(expected));
    expect(await readFile(join(dir, 'h1.err'), 'utf8')).to.equal('err\nno newline');
  });

  it('keeps the exact bytes of 20 hosts streaming chunks at once (sha256)', async () => {
    const hosts = Array.from({ length: 20 }, (_, i) => nodeNamed(`chunky${String(i).padStart(2, '0')}`));
    const expected = new Map<string, { out: Buffer[]; err: Buffer[] }>();
    const streams = hosts.map((node, h) => {
      const events: CommandEvent[] = [];
      const mine = { out: [] as Buffer[], err: [] as Buffer[] };
      expected.set(node.label, mine);
      for (let i = 0; i < 100; i++) {
        const bytes = randomBytes(1 + ((i * 7919 + h) % 40_000));
        const stream = i % 9 === 0 ? 'stderr' : 'stdout';
        events.push(chunkOf(node, bytes, stream));
        (stream === 'stderr' ? mine.err : mine.out).push(bytes);
      }
      events.push(exitEvent(node, 0));
      return scheduled(events, asapScheduler);
    });
    await run(merge(...streams).pipe(writeHostFiles(dir)));
    for (const [label, { out, err }] of expected) {
      expect(sha256(await readFile(join(dir, label))), label).to.equal(sha256(Buffer.concat(out)));
      expect(sha256(await readFile(join(dir, `${label}.err`))), label).to.equal(sha256(Buffer.concat(err)));
    }
  });

  it("sizes each file's buffer from a 32 MiB budget shared by the files, within 64 KiB..1 MiB", () => {
    expect(fileBufferBytes(2)).to.equal(1024 * 1024);
    expect(fileBufferBytes(40)).to.equal(Math.floor((32 * 1024 * 1024) / 40)); // 20 hosts: 819 KiB each
    expect(fileBufferBytes(2000)).to.equal(64 * 1024); // 1,000 hosts: the floor, above two SSH chunks
  });

  it("with a flow, an SSH chunk does not fill a file, and a full file holds its host's label only", async () => {
    const flow = new Flow();
    const h2 = nodeNamed('h2');
    const held: boolean[][] = [];
    const events$ = of(chunkOf(h1, randomBytes(48 * 1024)), chunkOf(h2, randomBytes(2 * 1024 * 1024)));
    await run(
      events$.pipe(
        writeHostFiles(dir, { flow, nodes: [h1, h2] }),
        tap(() => held.push([flow.forLabel('h1').held, flow.forLabel('h2').held])),
      ),
    );
    expect(held).to.deep.equal([
      [false, false],
      [false, true],
    ]);
    expect(flow.held).to.equal(false); // drained and closed
    expect((await readFile(join(dir, 'h2'))).length).to.equal(2 * 1024 * 1024);
  });

  it('ends the files, with what was written, before passing an error of the source on', async () => {
    const lost = new Error('connection lost');
    const events$ = new Observable<CommandEvent>((subscriber) => {
      subscriber.next(lineOf(h1, 'partial output'));
      subscriber.error(lost);
    });
    expect(await rejection(run(events$.pipe(writeHostFiles(dir))))).to.equal(lost);
    expect(await readFile(join(dir, 'h1'), 'utf8')).to.equal('partial output\n');
  });

  it('errors with an Error naming the file it cannot write', async () => {
    await mkdir(join(dir, 'h1'), { recursive: true }); // a directory where the file should go
    const e = await rejection(run(of(lineOf(h1, 'x')).pipe(writeHostFiles(dir))));
    expect(e).to.be.instanceOf(Error);
    expect((e as Error).message).to.match(new RegExp(`^cannot write ${join(dir, 'h1')}: EISDIR`));
    expect((e as Error).cause).to.have.property('code', 'EISDIR');
  });

  it('errors with an Error naming the directory it cannot create, without subscribing to the source', async () => {
    await mkdir(join(root, `run${String(count)}`), { recursive: true });
    const file = join(root, `run${String(count)}`, 'a-file');
    await writeFile(file, '');
    let subscribed = false;
    const source$ = new Observable<CommandEvent>(() => {
      subscribed = true;
    });
    const e = await rejection(run(source$.pipe(writeHostFiles(join(file, 'sub')))));
    expect((e as Error).message).to.match(new RegExp(`^cannot write ${join(file, 'sub')}: ENOTDIR`));
    expect(subscribed).to.equal(false);
  });

  it('ends the files when the subscriber leaves, keeping what was received', async () => {
    let emitted = (): void => undefined;
    const emittedOnce = new Promise<void>((resolve) => {
      emitted = resolve;
    });
    const source$ = new Observable<CommandEvent>((subscriber) => {
      subscriber.next(lineOf(h1, 'kept'));
      emitted();
    });
    const subscription = source$.pipe(writeHostFiles(dir)).subscribe({ error: () => undefined });
    await emittedOnce; // the directory exists and the line is pending
    subscription.unsubscribe();
    let text = '';
    for (let i = 0; i < 100 && text !== 'kept\n'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      text = await readFile(join(dir, 'h1'), 'utf8');
    }
    expect(text).to.equal('kept\n');
  });
});
