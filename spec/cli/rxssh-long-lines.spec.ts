// rxssh and huge outputs (issue 11 §4): --max-line-bytes and the pieces of long lines in every output form,
// and back-pressure: a stdout that is not read stops the reading of the hosts' output.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from 'chai';

import { eventually } from '../helpers/eventually.js';
import { fleetArgs, linesOf, startCli, useCliFleet } from '../helpers/cli.js';

/** A line of `n` x, then a line `end`. */
const longLine = (n: number): string => `head -c ${String(n)} /dev/zero | tr '\\0' x; echo; echo end`;

describe('rxssh and long lines (real hosts)', function () {
  this.timeout(60_000);
  const { fleet, dir, rxssh } = useCliFleet(1, 'rxssh-long-');

  it('--json --max-line-bytes: one record per piece, none over the limit, continues on all but the last', async () => {
    const r = await rxssh(['--json', '--max-line-bytes', '1000', '-t', '127.0.0.2', longLine(4500)]);
    expect(r.code, r.stderr).to.equal(0);
    const lines = linesOf(r.stdout)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((rec) => rec['type'] === 'line');
    expect(lines.map((rec) => [String(rec['text']).length, rec['newline'], rec['continues']])).to.deep.equal([
      [1000, false, true],
      [1000, false, true],
      [1000, false, true],
      [1000, false, true],
      [500, true, undefined],
      [3, true, undefined],
    ]);
    expect(lines.map((rec) => String(rec['text'])).join('')).to.equal(`${'x'.repeat(4500)}end`);
  });

  it('host:line output, --raw, -o files and -b keep the exact bytes of a line over the limit', async () => {
    const line = 'x'.repeat(300_000);
    const plain = await rxssh(['--max-line-bytes', '1000', '-t', '127.0.0.2', longLine(300_000)]);
    expect(plain.code, plain.stderr).to.equal(0);
    expect(plain.stdout).to.equal(`127.0.0.2:${line}\n127.0.0.2:end\n`);
    const raw = await rxssh(['--raw', '--max-line-bytes', '1000', '-t', '127.0.0.2', longLine(300_000)]);
    expect(raw.stdout).to.equal(`${line}\nend\n`);
    const out = join(dir(), 'out');
    const files = await rxssh(['-o', out, '--max-line-bytes', '1000', '-t', '127.0.0.2', longLine(300_000)]);
    expect(files.code, files.stderr).to.equal(0);
    expect(await readFile(join(out, '127.0.0.2'), 'utf8')).to.equal(`${line}\nend\n`);
    const gathered = await rxssh(['-b', '--max-line-bytes', '1000', '-t', '127.0.0.2', longLine(300_000)]);
    expect(linesOf(gathered.stdout).slice(3)).to.deep.equal([line, 'end']);
  });

  it('a stdout nobody reads stops the reading of the hosts: the remote command blocks, then all arrives', async () => {
    const size = 40 * 1024 * 1024;
    const mark = join(dir(), 'written');
    const running = startCli('rxssh', [
      ...fleetArgs(fleet()),
      '--raw',
      '-t',
      '127.0.0.2',
      `head -c ${String(size)} /dev/zero && touch ${mark}`,
    ]);
    running.child.stdout?.pause(); // a reader that does not read
    // the command cannot finish its writes: SSH's window is not renewed while rxssh does not read
    expect(await eventually(() => existsSync(mark), 3000, 200)).to.equal(false);
    running.child.stdout?.resume();
    const r = await running.result;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.length).to.equal(size);
    expect(existsSync(mark)).to.equal(true);
  });
});
