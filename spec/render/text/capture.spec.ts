// A command's stdout as one string: captureStdout() (apssh's Capture).
import { expect } from 'chai';
import { lastValueFrom, Observable, of, toArray } from 'rxjs';

import { chunkEvent, exitEvent, lineEvent } from '../../../lib/nodes/command-event.js';
import type { CommandEvent, NodeRef, OutputStream } from '../../../lib/nodes/command-event.js';
import { captureStdout } from '../../../lib/render/text/capture.js';
import { rejection } from '../../helpers/errors.js';

const h1: NodeRef = { label: 'h1', hostname: 'h1' };

const lineOf = (text: string | Buffer, stream: OutputStream = 'stdout', newline = true) =>
  lineEvent(stream, typeof text === 'string' ? Buffer.from(text) : text, newline, h1);

const capture = (...events: CommandEvent[]): Promise<string[]> =>
  lastValueFrom(of(...events, exitEvent(h1, 0)).pipe(captureStdout(), toArray()), { defaultValue: [] });

describe('captureStdout', () => {
  it('joins the stdout lines with \\n and removes one trailing \\n, emitting once', async () => {
    expect(await capture(lineOf('a'), lineOf('b'))).to.deep.equal(['a\nb']);
    expect(await capture(lineOf('5.15.0-91-generic'))).to.deep.equal(['5.15.0-91-generic']);
  });

  it('captures copies of events (spread with a tag, structuredClone, no bytes) as the events', async () => {
    const events = [
      lineOf('caf\u00e9'),
      chunkEvent('stdout', Buffer.from('x\ny'), h1),
      lineOf('z', 'stdout', false),
    ];
    expect(await capture(...events)).to.deep.equal(['caf\u00e9\nx\nyz']);
    expect(await capture(...events.map((e) => ({ ...e, tag: 1 })))).to.deep.equal(['caf\u00e9\nx\nyz']);
    expect(await capture(...events.map((e) => structuredClone(e)))).to.deep.equal(['caf\u00e9\nx\nyz']);
    const textOnly = { type: 'line', stream: 'stdout', text: 't', newline: false, node: h1 };
    expect(await capture(textOnly as CommandEvent)).to.deep.equal(['t']);
  });

  it('removes only ONE trailing newline', async () => {
    expect(await capture(lineOf('a'), lineOf(''))).to.deep.equal(['a\n']);
    expect(await capture(lineOf(''), lineOf(''))).to.deep.equal(['\n']);
    expect(await capture(lineOf(''))).to.deep.equal(['']);
  });

  it('keeps a partial last line as it came, without adding a newline', async () => {
    expect(await capture(lineOf('a'), lineOf('b', 'stdout', false))).to.deep.equal(['a\nb']);
    expect(await capture(lineOf('only', 'stdout', false))).to.deep.equal(['only']);
  });

  it('gives an empty string for no output, and ignores stderr', async () => {
    expect(await capture()).to.deep.equal(['']);
    expect(await capture(lineOf('noise', 'stderr'), lineOf('x'), lineOf('more', 'stderr'))).to.deep.equal([
      'x',
    ]);
  });

  it('decodes UTF-8 from the bytes', async () => {
    const euro = Buffer.from('€uro');
    expect(await capture(lineOf(euro), lineOf('ça'))).to.deep.equal(['€uro\nça']);
  });

  it('joins the stdout chunks as they came (output: chunks), one trailing \\n removed', async () => {
    const euro = Buffer.from('€');
    const chunkOf = (bytes: string | Buffer, stream: OutputStream = 'stdout') =>
      chunkEvent(stream, typeof bytes === 'string' ? Buffer.from(bytes) : bytes, h1);
    expect(
      await capture(
        chunkOf('a\nb'),
        chunkOf('noise\n', 'stderr'),
        chunkOf(Buffer.concat([Buffer.from('c'), euro.subarray(0, 1)])),
        chunkOf(Buffer.concat([euro.subarray(1), Buffer.from('\n\n')])),
      ),
    ).to.deep.equal(['a\nbc€\n']);
    expect(await capture(chunkOf('partial'))).to.deep.equal(['partial']);
  });

  it('starts afresh on each subscription', async () => {
    const captured$ = of(lineOf('x'), exitEvent(h1, 0)).pipe(captureStdout());
    expect(await lastValueFrom(captured$, { defaultValue: undefined })).to.equal('x');
    expect(await lastValueFrom(captured$, { defaultValue: undefined })).to.equal('x');
  });

  it('passes an error of the command stream on', async () => {
    const lost = new Error('connection lost');
    const events$ = new Observable<CommandEvent>((subscriber) => {
      subscriber.next(lineOf('partial'));
      subscriber.error(lost);
    });
    const e = await rejection(lastValueFrom(events$.pipe(captureStdout(), toArray()), { defaultValue: [] }));
    expect(e).to.equal(lost);
  });
});
