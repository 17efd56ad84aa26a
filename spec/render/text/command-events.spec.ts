// Recognising command events: isCommandEvent(), commandEventOf(), commandEvents().
import { inspect } from 'node:util';

import { expect } from 'chai';
import { lastValueFrom, of, toArray } from 'rxjs';

import { Job, Scheduler } from '../../../lib/index.js';
import { chunkEvent, exitEvent, lineEvent } from '../../../lib/nodes/command-event.js';
import type { NodeRef } from '../../../lib/nodes/command-event.js';
import { commandEventOf, commandEvents, isCommandEvent } from '../../../lib/render/text/command-events.js';

const h1: NodeRef = { label: 'h1', hostname: 'h1' };

describe('isCommandEvent', () => {
  it('recognises line events (made by lineEvent or by hand) and exit events', () => {
    expect(isCommandEvent(lineEvent('stdout', Buffer.from('x'), true, h1))).to.equal(true);
    const lookalike = {
      type: 'line',
      stream: 'stderr',
      bytes: Buffer.from('x'),
      newline: true,
      text: 'x',
      node: h1,
    };
    expect(isCommandEvent(lookalike)).to.equal(true);
    // the design's shape, without bytes (the renderers then write the text)
    expect(isCommandEvent({ type: 'line', stream: 'stdout', text: 'x', newline: true, node: h1 })).to.equal(
      true,
    );
    expect(isCommandEvent(exitEvent(h1, 0))).to.equal(true);
    expect(isCommandEvent(exitEvent(h1, null, 'KILL'))).to.equal(true);
  });

  it('recognises chunk events, made by chunkEvent or by hand', () => {
    expect(isCommandEvent(chunkEvent('stdout', Buffer.from('x'), h1))).to.equal(true);
    expect(isCommandEvent({ type: 'chunk', stream: 'stderr', bytes: Buffer.alloc(3), node: h1 })).to.equal(
      true,
    );
    for (const x of [
      { type: 'chunk', stream: 'stdout', text: 'no bytes', node: h1 },
      { type: 'chunk', stream: 'stdin', bytes: Buffer.from('x'), node: h1 },
      { type: 'chunk', stream: 'stdout', bytes: Buffer.from('x') },
    ])
      expect(isCommandEvent(x), JSON.stringify(x)).to.equal(false);
  });

  it('rejects anything else', () => {
    for (const x of [
      undefined,
      null,
      'line',
      42,
      { type: 'line', stream: 'stdout', text: 'x', newline: true, bytes: 'not bytes', node: h1 },
      { type: 'line', stream: 'stdout', text: 42, newline: true, node: h1 },
      { type: 'line', stream: 'stdout', bytes: Buffer.from('x'), text: 'x', newline: 'yes', node: h1 },
      { type: 'line', stream: 'stdout', bytes: Buffer.from('x'), newline: true, node: h1 },
      { type: 'line', stream: 'stdin', bytes: Buffer.from('x'), node: h1 },
      { type: 'line', stream: 'stdout', bytes: Buffer.from('x') },
      { type: 'exit', code: 0, signal: null },
      { type: 'exit', code: '0', signal: null, node: h1 },
      { type: 'exit', code: 0, signal: null, node: { hostname: 'no label' } },
      { type: 'value', value: exitEvent(h1, 0) },
      { type: 'started' },
    ])
      expect(isCommandEvent(x), JSON.stringify(x)).to.equal(false);
  });
});

describe('copies of command events', () => {
  const line = lineEvent('stdout', Buffer.from('h\u00e9'), true, h1);
  const chunk = chunkEvent('stderr', Buffer.from('a\nb'), h1);
  const exit = exitEvent(h1, 3, null, 'make');

  it('are recognised: spread (with a field added) and structuredClone', () => {
    for (const e of [line, chunk, exit]) {
      expect(isCommandEvent({ ...e, tag: 'x' }), e.type).to.equal(true);
      expect(isCommandEvent(structuredClone(e)), e.type).to.equal(true);
    }
  });

  it('keep the text, the bytes and the node: the events are plain data', () => {
    expect({ ...line }).to.deep.equal(line);
    const clone = structuredClone(line);
    expect(clone.text).to.equal('h\u00e9');
    expect(Buffer.from(clone.bytes).equals(line.bytes)).to.equal(true);
    expect(clone.node).to.deep.equal(line.node);
    expect(structuredClone(exit)).to.deep.equal(exit);
    expect(Object.keys(line)).to.deep.equal(['type', 'stream', 'text', 'newline', 'node', 'bytes']);
  });

  it('show their text and node in console.log (util.inspect)', () => {
    const shown = inspect(line);
    expect(shown).to.contain("text: 'h\u00e9'").and.to.contain("label: 'h1'");
    expect(inspect(exit)).to.contain("command: 'make'");
  });
});

describe('commandEventOf', () => {
  it('gives a command event itself, and the value of a scheduler value event when that is one', async () => {
    const line = lineEvent('stdout', Buffer.from('x'), true, h1);
    expect(commandEventOf(line)).to.equal(line);
    const job = new Job(() => of(line, 'other'), { label: 'j' });
    const events = await lastValueFrom(new Scheduler([job]).run().pipe(toArray()), { defaultValue: [] });
    expect(events.map(commandEventOf).filter((e) => e !== undefined)).to.deep.equal([line]);
  });
});

describe('commandEvents', () => {
  it('keeps the command events of a scheduler stream, in order', async () => {
    const line = lineEvent('stderr', Buffer.from('x'), false, h1);
    const exit = exitEvent(h1, 2);
    const job = new Job(() => of(1, line, { type: 'exit' }, exit), { label: 'j' });
    const events = await lastValueFrom(new Scheduler([job]).run().pipe(commandEvents(), toArray()), {
      defaultValue: [],
    });
    expect(events).to.deep.equal([line, exit]);
  });
});
