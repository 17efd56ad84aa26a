// Events as JSON lines: toJsonLines() and toJsonRecord(), for jq.
import { expect } from 'chai';
import { lastValueFrom, NEVER, Observable, of, throwError, toArray } from 'rxjs';

import { Job, Scheduler } from '../../../lib/index.js';
import { chunkEvent, exitEvent, lineEvent } from '../../../lib/nodes/command-event.js';
import type { CommandEvent, NodeRef, OutputStream } from '../../../lib/nodes/command-event.js';
import type { RenderableEvent } from '../../../lib/render/text/command-events.js';
import { toJsonLines, toJsonRecord } from '../../../lib/render/text/json-lines.js';

const h1: NodeRef = { label: 'h1', hostname: 'h1' };

const lineOf = (node: NodeRef, text: string | Buffer, stream: OutputStream = 'stdout', newline = true) =>
  lineEvent(stream, typeof text === 'string' ? Buffer.from(text) : text, newline, node);

const TS = '2024-05-01T12:00:00.000Z';
const now = (): Date => new Date(TS);

/** The JSON lines of `events$`, checked to hold no newline, parsed back. */
async function jsonOf(events$: Observable<RenderableEvent>): Promise<Record<string, unknown>[]> {
  const lines = await lastValueFrom(events$.pipe(toJsonLines({ now }), toArray()), { defaultValue: [] });
  for (const line of lines) expect(line).to.not.include('\n');
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('toJsonLines', () => {
  it('writes line events as {ts, type, host, stream, text, newline}', async () => {
    const events: CommandEvent[] = [
      lineOf(h1, 'hello "world"'),
      lineOf(h1, 'warning: café ✓', 'stderr'),
      lineOf(h1, 'tail', 'stdout', false),
    ];
    expect(await jsonOf(of(...events))).to.deep.equal([
      { ts: TS, type: 'line', host: 'h1', stream: 'stdout', text: 'hello "world"', newline: true },
      { ts: TS, type: 'line', host: 'h1', stream: 'stderr', text: 'warning: café ✓', newline: true },
      { ts: TS, type: 'line', host: 'h1', stream: 'stdout', text: 'tail', newline: false },
    ]);
  });

  it('keeps field order stable: ts, type first', async () => {
    const [line] = await lastValueFrom(of(lineOf(h1, 'x')).pipe(toJsonLines({ now }), toArray()), {
      defaultValue: [],
    });
    expect(line).to.equal(
      `{"ts":"${TS}","type":"line","host":"h1","stream":"stdout","text":"x","newline":true}`,
    );
  });

  it('adds base64 of the exact bytes when they are not valid UTF-8, with the lossy text', async () => {
    const bytes = Buffer.from([0x61, 0xff, 0x00, 0xc3, 0x28, 0x0d]);
    const [record] = await jsonOf(of(lineOf(h1, bytes)));
    expect(record).to.have.property('text', 'a\uFFFD\u0000\uFFFD(\r');
    expect(Buffer.from(record?.['base64'] as string, 'base64')).to.deep.equal(bytes);
  });

  it('gives no base64 for valid UTF-8, even with a BOM or control characters', async () => {
    const [record] = await jsonOf(of(lineOf(h1, Buffer.from('\uFEFFbom\ttab\u2028sep'))));
    expect(record).to.not.have.property('base64');
    expect(record).to.have.property('text', '\uFEFFbom\ttab\u2028sep');
  });

  it('writes chunk events as {ts, type, host, stream, text}, not cut into lines', async () => {
    const chunk = chunkEvent('stdout', Buffer.from('two\nlines and a half'), h1);
    expect(await jsonOf(of(chunk))).to.deep.equal([
      { ts: TS, type: 'chunk', host: 'h1', stream: 'stdout', text: 'two\nlines and a half' },
    ]);
    const [json] = await lastValueFrom(of(chunk).pipe(toJsonLines({ now }), toArray()), { defaultValue: [] });
    expect(json).to.equal(
      `{"ts":"${TS}","type":"chunk","host":"h1","stream":"stdout","text":"two\\nlines and a half"}`,
    );
  });

  it('adds base64 to a chunk that is not valid UTF-8, as one that cuts a character in two', async () => {
    const euro = Buffer.from('a€');
    const chunks = [euro.subarray(0, 2), euro.subarray(2)].map((b) => chunkEvent('stderr', b, h1));
    const records = await jsonOf(of(...chunks));
    expect(records.map((r) => [r['type'], r['stream'], r['text']])).to.deep.equal([
      ['chunk', 'stderr', 'a\uFFFD'],
      ['chunk', 'stderr', '\uFFFD\uFFFD'],
    ]);
    const bytes = Buffer.concat(records.map((r) => Buffer.from(r['base64'] as string, 'base64')));
    expect(bytes.toString()).to.equal('a€');
  });

  it('writes exit events with code, signal and the command they end', async () => {
    expect(await jsonOf(of(exitEvent(h1, 3, null, 'make all'), exitEvent(h1, null, 'TERM')))).to.deep.equal([
      { ts: TS, type: 'exit', host: 'h1', code: 3, signal: null, command: 'make all' },
      { ts: TS, type: 'exit', host: 'h1', code: null, signal: 'SIGTERM', command: '' },
    ]);
  });

  it('writes copies of events, made by spread (a field added) or structuredClone, as the events', async () => {
    const events = [
      lineOf(h1, Buffer.from([0x61, 0xff])),
      chunkEvent('stdout', Buffer.from('a\nb'), h1),
      exitEvent(h1, 1, null, 'false'),
    ];
    const expected = await jsonOf(of(...events));
    expect(await jsonOf(of(...events.map((e) => ({ ...e, tag: 'x' }))))).to.deep.equal(expected);
    expect(await jsonOf(of(...events.map((e) => structuredClone(e))))).to.deep.equal(expected);
  });

  it('JSON.stringify of line, chunk and exit events shows one node shape: the plain reference', () => {
    const node = { label: 'h1', hostname: 'h1.example.org', username: 'me', port: 2222 };
    const shapes = [
      lineOf(node, 'x'),
      chunkEvent('stdout', Buffer.from('x'), node),
      exitEvent(node, 0, null, 'true'),
    ].map((e) => (JSON.parse(JSON.stringify(e)) as { node: unknown }).node);
    expect(shapes).to.deep.equal([node, node, node]);
  });

  it('stamps each event with the time it is rendered, in ISO 8601', async () => {
    let t = Date.UTC(2024, 0, 1);
    const clock = (): Date => new Date((t += 1500));
    const lines = await lastValueFrom(
      of(lineOf(h1, 'a'), lineOf(h1, 'b')).pipe(toJsonLines({ now: clock }), toArray()),
      { defaultValue: [] },
    );
    expect(lines.map((l) => (JSON.parse(l) as { ts: string }).ts)).to.deep.equal([
      '2024-01-01T00:00:01.500Z',
      '2024-01-01T00:00:03.000Z',
    ]);
  });

  it('writes the events of a scheduler stream: job events with job and scheduler labels, command events', async () => {
    const a = { label: 'alpha', hostname: 'alpha.example.org' };
    const run = new Job(() => of(lineOf(a, 'out'), exitEvent(a, 0)), { label: 'run' });
    const broken = new Job(() => throwError(() => new Error('boom')), { label: 'broken' });
    const skipped = new Job(() => of(1), { label: 'after', requires: broken, runIf: 'all-success' });
    const monitor = new Job(() => NEVER, { label: 'monitor', forever: true });
    const objects = new Job(() => of({ not: 'a primitive' }), { label: 'objects' });
    const scheduler = new Scheduler([run, broken, skipped, monitor, objects], { label: 'main' });
    const records = await jsonOf(scheduler.run());
    const of_ = (job: string): Record<string, unknown>[] => records.filter((r) => r['job'] === job);

    expect(of_('run')).to.deep.equal([
      { ts: TS, type: 'started', job: 'run', scheduler: 'main' },
      {
        ts: TS,
        type: 'line',
        job: 'run',
        scheduler: 'main',
        host: 'alpha',
        stream: 'stdout',
        text: 'out',
        newline: true,
      },
      {
        ts: TS,
        type: 'exit',
        job: 'run',
        scheduler: 'main',
        host: 'alpha',
        code: 0,
        signal: null,
        command: '',
      },
      { ts: TS, type: 'done', job: 'run', scheduler: 'main' }, // the exit event is no JSON primitive
    ]);
    const failed = of_('broken').find((r) => r['type'] === 'failed');
    expect(failed).to.deep.include({ critical: false, scheduler: 'main' });
    expect(failed?.['error']).to.deep.equal({
      name: 'JobFailedError',
      code: 'job-failed',
      message: 'job "broken" failed: Error: boom',
    });
    expect(of_('after')).to.deep.equal([
      { ts: TS, type: 'skipped', job: 'after', scheduler: 'main', because: ['broken'] },
    ]);
    expect(of_('monitor').at(-1)).to.deep.equal({
      ts: TS,
      type: 'cancelled',
      job: 'monitor',
      scheduler: 'main',
      reason: 'forever',
    });
    expect(of_('objects').map((r) => r['type'])).to.deep.equal(['started', 'value', 'done']);
    expect(of_('objects')[1]).to.not.have.property('value');
    const end = records.at(-1);
    expect(end).to.deep.include({ ts: TS, type: 'end', scheduler: 'main', ok: true, reason: 'fine' });
    expect(end?.['why']).to.be.a('string');
  });

  it('carries JSON primitive values of value and done events', async () => {
    const job = new Job(() => of('text', 2, true, null, Infinity), { label: 'j' });
    const records = await jsonOf(new Scheduler([job], { label: 's' }).run());
    const values = records.filter((r) => r['type'] === 'value' || r['type'] === 'done');
    expect(values.map((r) => ('value' in r ? r['value'] : 'omitted'))).to.deep.equal([
      'text',
      2,
      true,
      null,
      'omitted',
      'omitted',
    ]);
  });
});

describe('toJsonRecord', () => {
  it('gives the record of one event, with the ts given', () => {
    expect(toJsonRecord(lineOf(h1, 'x', 'stderr'), 'T')).to.deep.equal({
      ts: 'T',
      type: 'line',
      host: 'h1',
      stream: 'stderr',
      text: 'x',
      newline: true,
    });
  });
});
