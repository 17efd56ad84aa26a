// Cutting output into lines: LineSplitter (push, cut, end) and ChunkLines (one splitter per source).
import { expect } from 'chai';

import { ChunkLines } from '../../lib/nodes/chunk-lines.js';
import { chunkEvent } from '../../lib/nodes/command-event.js';
import type { LineEvent, NodeRef, OutputStream } from '../../lib/nodes/command-event.js';
import { LineSplitter } from '../../lib/nodes/line-splitter.js';

const h1: NodeRef = { label: 'h1', hostname: 'h1' };
const h2: NodeRef = { label: 'h2', hostname: 'h2' };
const chunk = (node: NodeRef, text: string | Buffer, stream: OutputStream = 'stdout') =>
  chunkEvent(stream, typeof text === 'string' ? Buffer.from(text) : text, node);
/** `label/stream:text` (`$` when the line had no newline). */
const shown = (line: LineEvent) => `${line.node.label}/${line.stream}:${line.text}${line.newline ? '' : '$'}`;

describe('LineSplitter', () => {
  it('cuts chunks into lines, across chunk boundaries, and gives the last partial line at end()', () => {
    const splitter = new LineSplitter('stdout', h1);
    const got: string[] = [];
    const emit = (line: LineEvent) => got.push(shown(line));
    for (const piece of ['a\nb', 'c', '\n\nd']) splitter.push(Buffer.from(piece), emit);
    splitter.end(emit);
    splitter.end(emit);
    expect(got).to.deep.equal(['h1/stdout:a', 'h1/stdout:bc', 'h1/stdout:', 'h1/stdout:d$']);
  });

  it('gives each line the text its bytes decode to alone, whatever the bytes and the chunk boundaries', () => {
    // bytes drawn from newlines, ASCII, parts of multi-byte characters and invalid bytes, cut anywhere
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = [
      0x0a, 0x61, 0x20, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0x80, 0xc0,
    ];
    for (let round = 0; round < 300; round++) {
      const all = Buffer.from(
        Array.from({ length: 1 + random(400) }, () => alphabet[random(alphabet.length)] ?? 0),
      );
      const splitter = new LineSplitter('stdout', h1);
      const lines: LineEvent[] = [];
      const emit = (line: LineEvent) => lines.push(line);
      for (let at = 0; at < all.length;) {
        const next = Math.min(all.length, at + 1 + random(60));
        splitter.push(Buffer.from(all.subarray(at, next)), emit);
        at = next;
      }
      splitter.end(emit);
      const joined = Buffer.concat(
        lines.flatMap((l) => (l.newline ? [l.bytes, Buffer.from('\n')] : [l.bytes])),
      );
      expect(joined.equals(all)).to.equal(true);
      for (const line of lines) expect(line.text).to.equal(line.bytes.toString('utf8'));
    }
  });

  describe('cut', () => {
    it('gives the bytes of the whole lines a chunk completes, keeping the rest for later', () => {
      const splitter = new LineSplitter('stdout', h1);
      const cut = (s: string) => Buffer.concat(splitter.cut(Buffer.from(s))).toString();
      expect(cut('a\nb')).to.equal('a\n');
      expect(cut('c')).to.equal('');
      expect(cut('')).to.equal('');
      expect(cut('d\ne\nf')).to.equal('bcd\ne\n');
      expect(cut('\n')).to.equal('f\n');
      const last: string[] = [];
      splitter.end((line) => last.push(shown(line)));
      expect(last).to.deep.equal([]);
      splitter.cut(Buffer.from('tail'));
      splitter.end((line) => last.push(shown(line)));
      expect(last).to.deep.equal(['h1/stdout:tail$']);
    });

    it('gives a chunk that ends with \\n as it is, without copying it', () => {
      const bytes = Buffer.from('x\ny\n');
      const parts = new LineSplitter('stdout', h1).cut(bytes);
      expect(parts).to.have.length(1);
      expect(parts[0]?.buffer).to.equal(bytes.buffer);
    });

    it('keeps a multi-byte character cut between two chunks whole', () => {
      const text = Buffer.from('€uro\n');
      const splitter = new LineSplitter('stdout', h1);
      expect(splitter.cut(text.subarray(0, 1))).to.deep.equal([]);
      expect(Buffer.concat(splitter.cut(text.subarray(1))).toString()).to.equal('€uro\n');
    });
  });

  describe('cutLines', () => {
    const text = (parts: Buffer[] | undefined) => parts?.map((p) => p.toString());

    it('gives the pending part, then the chunk up to its last \\n, and keeps the rest, as cut() does', () => {
      const splitter = new LineSplitter('stdout', h1, 8);
      expect(text(splitter.cutLines(Buffer.from('ab')))).to.deep.equal([]);
      expect(text(splitter.cutLines(Buffer.from('c\nde\nf')))).to.deep.equal(['ab', 'c\nde\n']);
      const last: string[] = [];
      splitter.end((line) => last.push(shown(line)));
      expect(last).to.deep.equal(['h1/stdout:f$']);
    });

    it('gives a completed line over the limit whole, and refuses (nothing taken) what would leave more than the limit open', () => {
      const splitter = new LineSplitter('stdout', h1, 4);
      expect(text(splitter.cutLines(Buffer.from('1234567890\n1234')))).to.deep.equal(['1234567890\n']);
      expect(splitter.cutLines(Buffer.from('5'))).to.equal(undefined); // 5 bytes open: push() cuts them
      expect(splitter.cutLines(Buffer.from('\n12345'))).to.equal(undefined);
      const got: string[] = [];
      splitter.push(Buffer.from('5\n'), (line) => got.push(shown(line)));
      expect(got).to.deep.equal(['h1/stdout:1234$', 'h1/stdout:5']); // push() gives the open line in pieces
    });
  });
});

describe('ChunkLines', () => {
  it('keeps one splitter per node and stream, so that lines never mix', () => {
    const chunks = new ChunkLines();
    const got: string[] = [];
    const emit = (line: LineEvent) => got.push(shown(line));
    chunks.push(undefined, chunk(h1, 'one-'), emit);
    chunks.push(undefined, chunk(h2, 'two-'), emit);
    chunks.push(undefined, chunk(h1, 'err-', 'stderr'), emit);
    chunks.push(undefined, chunk(h2, 'b\nc'), emit);
    chunks.push(undefined, chunk(h1, 'a\n'), emit);
    chunks.push(undefined, chunk(h1, 'x\n', 'stderr'), emit);
    expect(got).to.deep.equal(['h2/stdout:two-b', 'h1/stdout:one-a', 'h1/stderr:err-x']);
  });

  it("gives a node's partial lines at end(), stdout's first, and forgets them", () => {
    const chunks = new ChunkLines();
    const got: string[] = [];
    const emit = (line: LineEvent) => got.push(shown(line));
    chunks.push(undefined, chunk(h1, 'e', 'stderr'), emit);
    chunks.push(undefined, chunk(h1, 'o'), emit);
    chunks.push(undefined, chunk(h2, 'p'), emit);
    chunks.end(undefined, h1, emit);
    chunks.end(undefined, h1, emit);
    expect(got).to.deep.equal(['h1/stdout:o$', 'h1/stderr:e$']);
    chunks.push(undefined, chunk(h1, 'new\n'), emit);
    expect(got.at(-1)).to.equal('h1/stdout:new');
    chunks.endAll(emit);
    expect(got.at(-1)).to.equal('h2/stdout:p$');
  });

  it('keeps the chunks of two owners (jobs) on one node apart', () => {
    const chunks = new ChunkLines();
    const got: string[] = [];
    const emit = (line: LineEvent) => got.push(shown(line));
    const [job1, job2] = [{}, {}];
    chunks.push(job1, chunk(h1, 'first '), emit);
    chunks.push(job2, chunk(h1, 'second '), emit);
    chunks.push(job2, chunk(h1, 'job\n'), emit);
    chunks.push(job1, chunk(h1, 'job\n'), emit);
    expect(got).to.deep.equal(['h1/stdout:second job', 'h1/stdout:first job']);
    expect(Buffer.concat(chunks.cut(job1, chunk(h1, 'a\nb'))).toString()).to.equal('a\n');
    chunks.end(job2, h1, emit);
    chunks.endAll(emit);
    expect(got.at(-1)).to.equal('h1/stdout:b$');
  });
});
