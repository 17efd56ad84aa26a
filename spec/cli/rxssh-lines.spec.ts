// rxssh's host-prefixed lines as users run it, stdout to a file (`rxssh ... > f`), on real hosts (issue 15):
// the exact bytes of every host's output behind its prefix, whatever the lines hold, hosts never mixed within
// a line. writeLines prefixes the lines of a chunk at once there; these tests hold for both of its paths.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from 'chai';

import { cliPath, fleetArgs, shellQuote, startProgram, useCliFleet } from '../helpers/cli.js';

/**
 * An output of every kind, about 2 MB: short lines, empty lines, CRLF, invalid UTF-8, multi-byte characters,
 * `$` patterns, a line of 300,000 bytes; no final newline.
 */
const content = (): Buffer => {
  const kinds = [
    Buffer.from('a short line'),
    Buffer.alloc(0),
    Buffer.from('windows line\r'),
    Buffer.from([0xff, 0xc3, 0x28, 0x80, 0xe6, 0x97, 0x00, 0xfe]),
    Buffer.from('é日😀 ümlaut'),
    Buffer.from('$& $1 $$ $`'),
    Buffer.from('x'.repeat(150)),
  ];
  const lines: Buffer[] = [];
  for (let i = 0; i < 30_000; i++) {
    lines.push(i === 15_000 ? Buffer.from('y'.repeat(300_000)) : (kinds[(i * 7) % kinds.length] as Buffer));
    lines.push(Buffer.from('\n'));
  }
  lines.push(Buffer.from('the last line, no newline'));
  return Buffer.concat(lines);
};

/** Each line of `out` cut at its first `:` as [prefix, bytes]; fails on a line without one of `prefixes`. */
const linesBy = (out: Buffer, prefixes: readonly string[]): Map<string, Buffer[]> => {
  const by = new Map<string, Buffer[]>(prefixes.map((p) => [p, []]));
  let start = 0;
  while (start < out.length) {
    const nl = out.indexOf(0x0a, start);
    expect(nl, 'every line ends with \\n').to.not.equal(-1);
    const colon = out.indexOf(0x3a, start);
    const prefix = out.subarray(start, colon + 1).toString('latin1');
    const lines = by.get(prefix);
    if (lines === undefined) expect.fail(`a line without a host prefix at byte ${String(start)}: ${prefix}`);
    lines.push(out.subarray(colon + 1, nl));
    start = nl + 1;
  }
  return by;
};

describe('rxssh host lines to a file (real hosts)', function () {
  this.timeout(60_000);
  const { fleet, dir, all } = useCliFleet(3, 'rxssh-lines-');

  /** `rxssh args > out`, through a shell as users run it; the bytes of `out`. */
  const toFile = async (args: readonly string[]): Promise<Buffer> => {
    const out = join(dir(), 'out.txt');
    const words = [process.execPath, cliPath('rxssh'), ...fleetArgs(fleet()), '--no-record', ...args];
    const r = await startProgram('/bin/sh', ['-c', `${words.map(shellQuote).join(' ')} > ${shellQuote(out)}`])
      .result;
    expect(r.code, r.stderr).to.equal(0);
    return readFile(out);
  };

  it('writes the exact bytes of each host behind its prefix: CRLF, invalid UTF-8, empty lines, no final newline', async () => {
    const bytes = content();
    const file = join(dir(), 'content.bin');
    await writeFile(file, bytes);
    const out = await toFile(['-t', '127.0.0.[2-4]', 'cat', file]);
    const by = linesBy(
      out,
      all().map((a) => `${a}:`),
    );
    for (const [prefix, lines] of by)
      expect(
        Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])).equals(
          Buffer.concat([bytes, Buffer.from('\n')]),
        ),
        prefix,
      ).to.equal(true);
  });

  it("with --max-line-bytes, keeps every host's bytes, a long line in pieces never mixed with another host's", async () => {
    const bytes = content();
    const file = join(dir(), 'content.bin');
    await writeFile(file, bytes);
    const out = await toFile(['--max-line-bytes', '1000', '-t', '127.0.0.[2-4]', 'cat', file]);
    const by = linesBy(
      out,
      all().map((a) => `${a}:`),
    );
    const noNewlines = (b: Buffer): Buffer =>
      Buffer.from(b.toString('latin1').replaceAll('\n', ''), 'latin1');
    for (const [prefix, lines] of by)
      expect(Buffer.concat(lines).equals(noNewlines(bytes)), prefix).to.equal(true);
  });
});
