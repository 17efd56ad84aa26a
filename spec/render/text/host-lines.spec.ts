// Host-prefixed lines: formatLine(), lineFormatter(), labelWidth() (apssh's HostFormatter, TimeHostFormatter
// and RawFormatter); writing them is in ../write-lines.spec.ts.
import { expect } from 'chai';

import { lineEvent } from '../../../lib/nodes/command-event.js';
import type { NodeRef, OutputStream } from '../../../lib/nodes/command-event.js';
import { formatLine, labelWidth, lineFormatter } from '../../../lib/render/text/host-lines.js';

const h1: NodeRef = { label: 'h1', hostname: 'h1' };
const nodeNamed = (label: string): NodeRef => ({ label, hostname: label });

const lineOf = (node: NodeRef, text: string | Buffer, stream: OutputStream = 'stdout', newline = true) =>
  lineEvent(stream, typeof text === 'string' ? Buffer.from(text) : text, newline, node);
describe('formatLine', () => {
  it('prefixes a line with its label and a colon, and ends it with \\n', () => {
    expect(formatLine(lineOf(h1, 'hello world')).toString()).to.equal('h1:hello world\n');
  });

  it('pads labels on the right to `width`, so that colons line up, and keeps longer labels whole', () => {
    expect(formatLine(lineOf(h1, 'x'), { width: 5 }).toString()).to.equal('h1   :x\n');
    expect(formatLine(lineOf(nodeNamed('faraday'), 'x'), { width: 5 }).toString()).to.equal('faraday:x\n');
  });

  it('ends a partial last line with \\n in host format, so that the next line never glues onto it', () => {
    expect(formatLine(lineOf(h1, 'no newline', 'stdout', false)).toString()).to.equal('h1:no newline\n');
  });

  it('prefixes the local time HH:MM:SS and a space with `time: true`, read from the injected clock', () => {
    const now = (): Date => new Date(2024, 0, 2, 3, 4, 5);
    expect(formatLine(lineOf(h1, 'x'), { time: true, now }).toString()).to.equal('03:04:05 h1:x\n');
    expect(formatLine(lineOf(h1, 'x'), { time: true, now, width: 4 }).toString()).to.equal(
      '03:04:05 h1  :x\n',
    );
  });

  it('uses the text of a `time` function as the time prefix', () => {
    const now = (): Date => new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    const line = formatLine(lineOf(h1, 'x'), { time: (d) => d.toISOString(), now });
    expect(line.toString()).to.equal('2024-01-02T03:04:05.000Z h1:x\n');
  });

  it('writes the bytes alone in raw format: with \\n when the line had one, without for a partial line', () => {
    expect(formatLine(lineOf(h1, 'abc'), { format: 'raw' }).toString()).to.equal('abc\n');
    expect(formatLine(lineOf(h1, 'abc', 'stdout', false), { format: 'raw' }).toString()).to.equal('abc');
    expect(formatLine(lineOf(h1, 'abc'), { format: 'raw', time: true, width: 9 }).toString()).to.equal(
      'abc\n',
    );
  });

  it('keeps binary bytes exactly', () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x0d, 0xc3]);
    expect(formatLine(lineOf(h1, bytes))).to.deep.equal(
      Buffer.concat([Buffer.from('h1:'), bytes, Buffer.from('\n')]),
    );
    expect(formatLine(lineOf(h1, bytes, 'stdout', false), { format: 'raw' })).to.deep.equal(bytes);
  });
});

describe('lineFormatter', () => {
  it('reads the clock for every line, and follows it from one second to the next', () => {
    let t = new Date(2024, 0, 2, 23, 59, 59, 500);
    const format = lineFormatter({ time: true, now: () => t });
    expect(format(lineOf(h1, 'a')).toString()).to.equal('23:59:59 h1:a\n');
    t = new Date(2024, 0, 2, 23, 59, 59, 999);
    expect(format(lineOf(h1, 'b')).toString()).to.equal('23:59:59 h1:b\n');
    t = new Date(2024, 0, 3, 0, 0, 0, 0);
    expect(format(lineOf(nodeNamed('h2'), 'c')).toString()).to.equal('00:00:00 h2:c\n');
  });
});

describe('labelWidth', () => {
  it('is the length of the longest label, 0 for no nodes', () => {
    expect(labelWidth([h1, nodeNamed('faraday'), nodeNamed('fit01')])).to.equal(7);
    expect(labelWidth([])).to.equal(0);
  });
});
