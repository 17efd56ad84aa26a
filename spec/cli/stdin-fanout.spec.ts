// rxssh's stdin fanned out to every host: hosts waiting for their turn read it later from a temp file, and
// go on with the live input once they caught up (issue 11 §5).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { expect } from 'chai';

import { StdinFanout } from '../../lib/cli/stdin-fanout.js';
import { eventually } from '../helpers/eventually.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Reads `source` to its end; `onChunk` after each chunk. */
const readAll = async (source: AsyncIterable<Buffer>, onChunk?: (n: number) => void): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of source) {
    chunks.push(chunk);
    n += chunk.length;
    onChunk?.(n);
  }
  return Buffer.concat(chunks);
};

describe('StdinFanout', function () {
  this.timeout(30_000);
  let dir = '';
  let saved: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fanout-spec-'));
    saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = dir;
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = saved;
    await rm(dir, { recursive: true, force: true });
  });
  const spools = (): string[] => readdirSync(dir).filter((d) => d.startsWith('rxssh-stdin-'));

  it('a host whose turn comes mid-stream reads the temp file, then the live input, every byte in order', async () => {
    const input = new PassThrough();
    const fanout = new StdinFanout(() => input);
    const [first, second, third] = [fanout.source(), fanout.source(), fanout.source()];
    // random-ish bytes, in pieces of various sizes: 24 MiB now, 8 more once the second host reads
    const data = Buffer.alloc(32 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
    let written = 0;
    const write = async (upTo: number): Promise<void> => {
      while (written < upTo) {
        const n = Math.min(upTo - written, 10_000 + (written % 70_000));
        if (!input.write(data.subarray(written, written + n)))
          await new Promise((r) => input.once('drain', r));
        written += n;
      }
    };
    const a = readAll(first);
    await write(24 * 1024 * 1024);
    expect(await eventually(() => spools().length === 1), 'a temp dir').to.equal(true);
    let read = 0;
    const b = readAll(second, (n) => (read = n));
    // it caught up with the input: what comes next, it reads from memory
    expect(await eventually(() => read === written), 'the temp file read').to.equal(true);
    await write(data.length);
    input.end();
    expect(sha(await a)).to.equal(sha(data));
    expect(sha(await b)).to.equal(sha(data));
    third.release(); // its host failed before its turn
    expect(spools(), 'removed once nobody reads it').to.deep.equal([]);
    fanout.close();
  });

  it('close() removes the temp file while hosts still wait', async () => {
    const input = new PassThrough();
    const fanout = new StdinFanout(() => input);
    const [first] = [fanout.source(), fanout.source()];
    void readAll(first);
    input.write(Buffer.alloc(9 * 1024 * 1024));
    expect(await eventually(() => spools().length === 1), 'a temp dir').to.equal(true);
    fanout.close();
    expect(spools()).to.deep.equal([]);
  });

  it('a temp file that cannot be made fails the waiting hosts with one line, not the others', async () => {
    process.env['TMPDIR'] = join(dir, 'missing');
    const input = new PassThrough();
    const fanout = new StdinFanout(() => input);
    const [first, second] = [fanout.source(), fanout.source()];
    const a = readAll(first);
    input.end(Buffer.alloc(9 * 1024 * 1024));
    expect((await a).length).to.equal(9 * 1024 * 1024);
    const e = (await readAll(second).then(
      () => new Error('no error'),
      (x: unknown) => x,
    )) as Error;
    expect(e.message).to.match(
      /^stdin could not be kept on disk for the hosts waiting their turn \(-w\): ENOENT/,
    );
    expect(e.message).not.to.include('\n');
    expect(existsSync(join(dir, 'missing'))).to.equal(false);
    fanout.close();
  });
});
