// Operators on command streams: lines(), stdout(), exitStatus(), throwOnFailure(), with line events and with
// chunk events (output: 'chunks').
import { expect } from 'chai';
import type { Observable } from 'rxjs';
import { concat, lastValueFrom, of, Subject, throwError, toArray } from 'rxjs';

import { chunkEvent, exitEvent, lineEvent } from '../../lib/nodes/command-event.js';
import type { CommandEvent, NodeRef, OutputStream } from '../../lib/nodes/command-event.js';
import { CommandFailedError } from '../../lib/errors/command-failed-error.js';
import { exitStatus, lines, stdout, throwOnFailure } from '../../lib/nodes/operators.js';
import { LocalNode } from '../../lib/nodes/local/local-node.js';
import { rejection } from '../helpers/errors.js';

const h1: NodeRef = { label: 'h1', hostname: 'h1' };
const h2: NodeRef = { label: 'h2', hostname: 'h2' };
const chunk = (text: string | Buffer, stream: OutputStream = 'stdout', node = h1) =>
  chunkEvent(stream, typeof text === 'string' ? Buffer.from(text) : text, node);
const line = (text: string, stream: OutputStream = 'stdout', newline = true, node = h1) =>
  lineEvent(stream, Buffer.from(text), newline, node);
const all = <T>(o: Observable<T>): Promise<T[]> => lastValueFrom(o.pipe(toArray()), { defaultValue: [] });

describe('lines', () => {
  it('gives the text of line events, of one stream when asked', async () => {
    const events = [line('a'), line('e', 'stderr'), line('b', 'stdout', false), exitEvent(h1, 0)];
    expect(await all(of(...events).pipe(lines()))).to.deep.equal(['a', 'e', 'b']);
    expect(await all(of(...events).pipe(lines('stderr')))).to.deep.equal(['e']);
    expect(await all(of(...events).pipe(stdout()))).to.deep.equal(['a', 'b']);
  });

  it('cuts chunk events into lines per stream, a partial last line at the exit', async () => {
    const euro = Buffer.from('€');
    const events = [
      chunk('a\nb'),
      chunk('e1\ne', 'stderr'),
      chunk(Buffer.concat([Buffer.from('c'), euro.subarray(0, 1)])),
      chunk(Buffer.concat([euro.subarray(1), Buffer.from('\n\nd')])),
      chunk('2', 'stderr'),
      exitEvent(h1, 0),
    ];
    expect(await all(of(...events).pipe(lines()))).to.deep.equal(['a', 'e1', 'bc€', '', 'd', 'e2']);
    expect(await all(of(...events).pipe(stdout()))).to.deep.equal(['a', 'bc€', '', 'd']);
    expect(await all(of(...events).pipe(lines('stderr')))).to.deep.equal(['e1', 'e2']);
  });

  it('gives each line as soon as its chunk arrives, not at the end', () => {
    const source = new Subject<CommandEvent>();
    const got: string[] = [];
    const subscription = source.pipe(stdout()).subscribe({
      next: (text) => got.push(text),
      error: () => undefined,
    });
    source.next(chunk('one\ntw'));
    expect(got).to.deep.equal(['one']);
    source.next(chunk('o\n'));
    expect(got).to.deep.equal(['one', 'two']);
    subscription.unsubscribe();
  });

  it('keeps the chunks of commands one after the other apart, and of two nodes merged', async () => {
    const events = [
      chunk('x'),
      exitEvent(h1, 0),
      chunk('y\n'),
      chunk('from h2 ', 'stdout', h2),
      chunk('z'),
      chunk('too\n', 'stdout', h2),
      chunk('partial', 'stdout', h2),
      exitEvent(h1, 0),
    ];
    expect(await all(of(...events).pipe(stdout()))).to.deep.equal(['x', 'y', 'from h2 too', 'z', 'partial']);
  });

  it('takes copies of events (spread with a field added, structuredClone) as the events', async () => {
    const events = [
      line('a'),
      chunk('b\nc'),
      chunk('d\n'),
      line('e', 'stderr'),
      chunk('f'),
      exitEvent(h1, 0),
    ];
    const expected = ['a', 'b', 'cd', 'e', 'f'];
    expect(await all(of(...events).pipe(lines()))).to.deep.equal(expected);
    expect(await all(of(...events.map((e) => ({ ...e, tag: 1 }))).pipe(lines()))).to.deep.equal(expected);
    expect(await all(of(...events.map((e) => structuredClone(e))).pipe(lines()))).to.deep.equal(expected);
  });

  it('passes an error on, after the lines before it (a partial line is dropped)', async () => {
    const boom = new Error('boom');
    const got: string[] = [];
    const e = await new Promise((resolve) => {
      concat(
        of(chunk('a\nb')),
        throwError(() => boom),
      )
        .pipe(stdout())
        .subscribe({
          next: (text) => got.push(text),
          error: resolve,
          complete: () => {
            resolve(undefined);
          },
        });
    });
    expect([e, got]).to.deep.equal([boom, ['a']]);
  });
});

describe('exitStatus', () => {
  it('gives the exit event, whatever events come before it', async () => {
    const exit = exitEvent(h1, 3);
    expect(await lastValueFrom(of(chunk('x'), line('y'), exit).pipe(exitStatus()))).to.equal(exit);
  });
});

describe('throwOnFailure', () => {
  it('passes every event on and errors with the stderr tail cut from the stderr chunks', async () => {
    const events = [chunk('out\n'), chunk('err 1\nerr', 'stderr'), chunk(' 2', 'stderr'), exitEvent(h1, 4)];
    const got: CommandEvent[] = [];
    const e = await rejection(
      lastValueFrom(of(...events).pipe(throwOnFailure({ command: 'cmd' })), { defaultValue: undefined }).then(
        () => undefined,
      ),
    );
    expect(e).to.be.instanceOf(CommandFailedError);
    const failure = e as CommandFailedError;
    expect([failure.command, failure.exitCode, failure.stderrTail]).to.deep.equal([
      'cmd',
      4,
      ['err 1', 'err 2'],
    ]);
    await all(of(...events.slice(0, -1), exitEvent(h1, 0)).pipe(throwOnFailure())).then((x) =>
      got.push(...x),
    );
    expect(got).to.have.length(4);
  });

  it('names the command of the exit event when not told one', async () => {
    const e = await rejection(
      all(of(line('oops', 'stderr'), exitEvent(h1, 4, null, 'make all')).pipe(throwOnFailure())),
    );
    expect((e as CommandFailedError).command).to.equal('make all');
    expect((e as Error).message).to.equal('h1: command "make all" failed (exit 4)\n  stderr: oops');
    const local = await rejection(all(new LocalNode().exec('exit 3').pipe(throwOnFailure())));
    expect((local as Error).message).to.equal('localhost: command "exit 3" failed (exit 3)');
  });

  it('errors with the stderr tail of line events, and lets allowed exits through', async () => {
    const e = await rejection(
      all(of(line('a', 'stderr'), line('b', 'stderr', false), exitEvent(h1, 1)).pipe(throwOnFailure())),
    );
    expect((e as CommandFailedError).stderrTail).to.deep.equal(['a', 'b']);
    const events = await all(
      of(chunk('x', 'stderr'), exitEvent(h1, 1)).pipe(throwOnFailure({ allowedExits: [1] })),
    );
    expect(events.map((x) => x.type)).to.deep.equal(['chunk', 'exit']);
  });
});
