import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import { FileSink, WRITE_BATCH, WRITE_DELAY_MS } from '../../lib/record/sink.js';

describe('record/sink', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rxjobs-sink-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes lines and chunks in order, the exact bytes', async () => {
    const file = path.join(dir, 'out');
    const sink = new FileSink(file, (p, e) => expect.fail(`${p}: ${String(e)}`));
    sink.line(Buffer.from('one'), true);
    sink.bytes(Buffer.from('two\n'));
    sink.line(Buffer.from([0xff]), false);
    await sink.close();
    expect(readFileSync(file)).to.deep.equal(Buffer.from('one\ntwo\n\xff', 'latin1'));
  });

  it('keeps the order and the bytes across a growing buffer and a chunk bigger than a batch', async () => {
    const file = path.join(dir, 'out');
    const sink = new FileSink(file, (p, e) => expect.fail(`${p}: ${String(e)}`));
    const parts = [
      Buffer.from('first'),
      Buffer.alloc(40_000, 0x62), // past the first buffer: it grows
      Buffer.alloc(WRITE_BATCH + 5, 0x63), // past a batch: written as it is, after the rest
      Buffer.from([0xff, 0]),
      Buffer.alloc(WRITE_BATCH - 3, 0x64), // fills the buffer: written, then reused
      Buffer.from('last'),
    ];
    sink.line(parts[0] as Buffer, true);
    for (const part of parts.slice(1, -1)) sink.bytes(part);
    sink.line(parts.at(-1) as Buffer, false);
    await sink.close();
    const expected = Buffer.concat([parts[0] as Buffer, Buffer.from('\n'), ...parts.slice(1)]);
    expect(readFileSync(file).equals(expected)).to.equal(true);
  });

  it('takes a piece near a batch after a small one, while its buffer is still small', async () => {
    const file = path.join(dir, 'out');
    const sink = new FileSink(file, (p, e) => expect.fail(`${p}: ${String(e)}`));
    const small = Buffer.alloc(10_000, 0x61);
    const big = Buffer.alloc(WRITE_BATCH - 5_000, 0x62); // does not fit even once grown: written, then held
    sink.bytes(small);
    sink.bytes(big);
    await sink.close();
    expect(readFileSync(file).equals(Buffer.concat([small, big]))).to.equal(true);
  });

  it('keeps no more than a batch in memory: past WRITE_BATCH, the bytes are in the file at once', () => {
    const file = path.join(dir, 'out');
    const sink = new FileSink(file, (p, e) => expect.fail(`${p}: ${String(e)}`));
    const lines = Array.from({ length: 5000 }, (_, i) => Buffer.from(`line ${String(i)} `.padEnd(99, '.')));
    for (const line of lines) sink.line(line, true); // 500,000 bytes: one batch written, the rest gathered
    const expected = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
    const now = readFileSync(file);
    expect(now.length).to.be.greaterThan(WRITE_BATCH - 100); // a full buffer, but for the line that did not fit
    expect(now.equals(expected.subarray(0, now.length))).to.equal(true);
    sink.destroy();
  });

  it('writes what it gathered after WRITE_DELAY_MS, without waiting for more', async () => {
    const file = path.join(dir, 'out');
    const sink = new FileSink(file, (p, e) => expect.fail(`${p}: ${String(e)}`));
    sink.bytes('a little');
    expect(readFileSync(file, 'utf8')).to.equal('');
    await new Promise((resolve) => setTimeout(resolve, WRITE_DELAY_MS + 50));
    expect(readFileSync(file, 'utf8')).to.equal('a little');
    await sink.close();
  });

  it('reports a file it cannot open once, after the statement that made it, and then takes nothing', async () => {
    const errors: string[] = [];
    const sink = new FileSink(dir, (p, e) => errors.push(`${p}: ${(e as NodeJS.ErrnoException).code ?? ''}`));
    sink.bytes('lost');
    expect(errors).to.deep.equal([]);
    await sink.close();
    expect(errors).to.deep.equal([`${dir}: EISDIR`]);
  });
});
