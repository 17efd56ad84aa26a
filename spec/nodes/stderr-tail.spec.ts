// The last stderr lines of a command, from line events or from chunk events.
import { expect } from 'chai';

import { chunkEvent, exitEvent, lineEvent } from '../../lib/nodes/command-event.js';
import type { CommandEvent, NodeRef, OutputStream } from '../../lib/nodes/command-event.js';
import { StderrTail } from '../../lib/nodes/stderr-tail.js';

const h1: NodeRef = { label: 'h1', hostname: 'h1' };
const chunk = (text: string | Buffer, stream: OutputStream = 'stderr') =>
  chunkEvent(stream, typeof text === 'string' ? Buffer.from(text) : text, h1);
const line = (text: string, stream: OutputStream = 'stderr', newline = true) =>
  lineEvent(stream, Buffer.from(text), newline, h1);
const tailOf = (events: readonly CommandEvent[], size?: number): string[] => {
  const tail = new StderrTail(size);
  for (const e of events) tail.add(e);
  return tail.lines();
};
const numbered = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `err ${String(from + i)}`);

describe('StderrTail', () => {
  it('keeps the last `size` stderr lines of line events, stdout ignored', () => {
    const events = [...numbered(1, 12).map((t) => line(t)), line('out', 'stdout'), exitEvent(h1, 1)];
    expect(tailOf(events)).to.deep.equal(numbered(3, 12));
    expect(tailOf(events, 2)).to.deep.equal(numbered(11, 12));
    expect(tailOf(events, 0)).to.deep.equal([]);
  });

  it('cuts stderr chunks into lines, across chunks, with the partial last line at the exit', () => {
    const events = [
      chunk('err 1\ner'),
      chunk('out\n', 'stdout'),
      chunk('r 2\n'),
      chunk('\nerr'),
      chunk(' 4'),
      exitEvent(h1, 1),
    ];
    expect(tailOf(events)).to.deep.equal(['err 1', 'err 2', '', 'err 4']);
    expect(tailOf(events, 2)).to.deep.equal(['', 'err 4']);
  });

  it('keeps the last lines of a chunk of many lines, dropping a pending line pushed out', () => {
    const many = `${numbered(1, 100).join('\n')}\nlast`;
    expect(tailOf([chunk('partial '), chunk(many), exitEvent(h1, 1)], 3)).to.deep.equal([
      'err 99',
      'err 100',
      'last',
    ]);
    expect(tailOf([chunk('partial '), chunk('end\nx\n'), exitEvent(h1, 1)], 3)).to.deep.equal([
      'partial end',
      'x',
    ]);
    expect(tailOf([chunk('a\n'), chunk('\n'), exitEvent(h1, 1)], 5)).to.deep.equal(['a', '']);
  });

  it('keeps the end of a long line only, from lines and from chunks, in bounded memory', () => {
    const long = 'x'.repeat(5000) + 'END';
    const [fromLine] = tailOf([line(long), exitEvent(h1, 1)]);
    expect(fromLine).to.have.length(1001);
    expect(fromLine?.startsWith('…') && fromLine.endsWith('xEND')).to.equal(true);
    const pieces = Array.from({ length: 50 }, () => chunk('y'.repeat(1000)));
    const [fromChunks, next] = tailOf([...pieces, chunk('END\nnext'), exitEvent(h1, 1)]);
    expect(fromChunks).to.equal(`…${'y'.repeat(997)}END`);
    expect(next).to.equal('next');
  });

  it('decodes a multi-byte character cut between two chunks whole', () => {
    const text = Buffer.from('€ failed\n');
    expect(tailOf([chunk(text.subarray(0, 2)), chunk(text.subarray(2)), exitEvent(h1, 1)])).to.deep.equal([
      '€ failed',
    ]);
  });
});
