// rxssh end to end, its output forms: --raw, --time, --json, -b, -o, -d, --mark, and the progress line on a
// terminal (run in a pseudo-terminal by util-linux `script`).
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from 'chai';

import { dateDirName } from '../../lib/cli/output-options.js';
import { fleetArgs, linesOf, runCliInPty, sortedLines, useCliFleet } from '../helpers/cli.js';

/** `$3`: the address the session reached (127.0.0.x). */
const AT = 'set -- $SSH_CONNECTION';

/** What erases the progress line: back to the start of the line, erase to its end. */
const CLEAR = `\r${String.fromCharCode(27)}[K`;
const PROGRESS = /rxssh: \d+\/\d+ hosts done, \d+ failed, \d+ running, \d+\.\d s/g;

/** The header of a gathered block, between its two rules. */
const block = (header: string, lines: readonly string[]): string[] => {
  const rule = '-'.repeat(header.length);
  return [rule, header, rule, ...lines];
};

describe('rxssh output (real hosts)', function () {
  this.timeout(60_000);
  const { fleet, dir, all, rxssh } = useCliFleet(4, 'rxssh-output-');

  it('--raw: the lines as they are, no prefix, each stream apart', async () => {
    const r = await rxssh(['--raw', '-t', '127.0.0.[2-3]', `${AT}; echo "out $3"; echo "err $3" >&2`]);
    expect(r.code, r.stderr).to.equal(0);
    expect(sortedLines(r.stdout)).to.deep.equal(['out 127.0.0.2', 'out 127.0.0.3']);
    expect(sortedLines(r.stderr)).to.deep.equal(['err 127.0.0.2', 'err 127.0.0.3']);
  });

  it('--time: HH:MM:SS before each host:line', async () => {
    const r = await rxssh(['--time', '-t', '127.0.0.[2-3]', `${AT}; echo "out $3"; echo "err $3" >&2`]);
    expect(r.code, r.stderr).to.equal(0);
    for (const [text, stream] of [
      [r.stdout, 'out'],
      [r.stderr, 'err'],
    ] as const) {
      const lines = sortedLines(text.replace(/^\d\d:\d\d:\d\d /gm, ''));
      expect(lines).to.deep.equal([`127.0.0.2:${stream} 127.0.0.2`, `127.0.0.3:${stream} 127.0.0.3`]);
      for (const line of linesOf(text))
        expect(line).to.match(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d 127\.0\.0\.\d:/);
    }
  });

  it('--json: one record per line: lines, exits, and one result per host', async () => {
    const r = await rxssh([
      '--json',
      '-t',
      '127.0.0.[2-3]',
      `${AT}; echo "out $3"; echo "err $3" >&2; [ $3 = 127.0.0.2 ] || exit 2`,
    ]);
    expect(r.code).to.equal(1);
    const records = linesOf(r.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const record of records) expect(record['ts']).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const of = (type: string): Record<string, unknown>[] =>
      records
        .filter((x) => x['type'] === type)
        .sort(
          (a, b) =>
            String(a['host']).localeCompare(String(b['host'])) ||
            String(a['stream']).localeCompare(String(b['stream'])),
        );
    expect(of('line').map((x) => [x['host'], x['stream'], x['text']])).to.deep.equal([
      ['127.0.0.2', 'stderr', 'err 127.0.0.2'],
      ['127.0.0.2', 'stdout', 'out 127.0.0.2'],
      ['127.0.0.3', 'stderr', 'err 127.0.0.3'],
      ['127.0.0.3', 'stdout', 'out 127.0.0.3'],
    ]);
    expect(of('exit').map((x) => [x['host'], x['code'], x['signal']])).to.deep.equal([
      ['127.0.0.2', 0, null],
      ['127.0.0.3', 2, null],
    ]);
    expect(of('result').map((x) => [x['host'], x['ok'], x['status'], x['code']])).to.deep.equal([
      ['127.0.0.2', true, 'exit 0', 0],
      ['127.0.0.3', false, 'exit 2', 2],
    ]);
    expect(records.map((x) => x['type'])).to.have.members([
      'run',
      'started',
      'started',
      'line',
      'line',
      'line',
      'line',
      'exit',
      'exit',
      'result',
      'result',
      'summary',
    ]);
    // each host's result comes after its lines and exit
    for (const host of ['127.0.0.2', '127.0.0.3']) {
      const types = records.filter((x) => x['host'] === host).map((x) => x['type']);
      expect(types.slice(-2)).to.deep.equal(['exit', 'result']);
    }
  });

  it('-b: hosts with the same output and status in one block, under their node set, stdout before stderr', async () => {
    const same = await rxssh(['-b', '-t', '127.0.0.[2-5]', 'echo also >&2; echo same']);
    expect(same.code, same.stderr).to.equal(0);
    expect(linesOf(same.stdout)).to.deep.equal(block('127.0.0.[2-5] (4)        exit 0', ['same', 'also']));
    expect(same.stderr).to.equal('');

    const r = await rxssh([
      '-b',
      '-t',
      '127.0.0.[2-5]',
      `${AT}; echo same; [ $3 = 127.0.0.4 ] && echo other; [ $3 = 127.0.0.5 ] && exit 1; true`,
    ]);
    expect(r.code).to.equal(1);
    expect(linesOf(r.stdout)).to.deep.equal([
      ...block('127.0.0.[2-3] (2)        exit 0', ['same']),
      ...block('127.0.0.4 (1)            exit 0', ['same', 'other']),
      ...block('127.0.0.5 (1)            exit 1', ['same']),
    ]);
  });

  it('-o DIR: DIR/host and DIR/host.err for each host, DIR on stdout', async () => {
    const out = join(dir(), 'out');
    const command = `${AT}; echo "out $3"; echo "err $3" >&2; echo more`;
    const r = await rxssh(['-o', out, '-t', '127.0.0.[2-4]', command]);
    expect([r.code, r.stdout, r.stderr]).to.deep.equal([0, `${out}\n`, '']);
    expect((await readdir(out)).sort()).to.deep.equal(
      all()
        .slice(0, 3)
        .flatMap((a) => [a, `${a}.err`]),
    );
    for (const a of all().slice(0, 3)) {
      expect(await readFile(join(out, a), 'utf8')).to.equal(`out ${a}\nmore\n`);
      expect(await readFile(join(out, `${a}.err`), 'utf8')).to.equal(`err ${a}\n`);
    }
  });

  it('-d: the same in a new YYYY-MM-DD@HH:MM directory of the current one', async () => {
    const cwd = await mkdtemp(join(dir(), 'date-'));
    const before = dateDirName(new Date());
    const r = await rxssh(['-d', '-t', '127.0.0.[2-3]', 'echo hi'], cwd);
    const after = dateDirName(new Date());
    expect(r.code, r.stderr).to.equal(0);
    const name = r.stdout.replace(/\n$/, '');
    expect(name).to.match(/^\d{4}-\d\d-\d\d@\d\d:\d\d$/);
    expect([before, after]).to.include(name);
    expect(await readdir(cwd)).to.deep.equal([name]);
    expect(await readFile(join(cwd, name, '127.0.0.3'), 'utf8')).to.equal('hi\n');
  });

  it('--mark: DIR/0ok/host holds 0, DIR/1failed/host the code; DIR/0ok then works as -t', async () => {
    const out = join(dir(), 'marked');
    const command = `${AT}; [ $3 = 127.0.0.3 ] && exit 4; true`;
    const r = await rxssh(['-o', out, '--mark', '-t', '127.0.0.[2-5]', command]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal(`${out}\n`);
    expect((await readdir(join(out, '0ok'))).sort()).to.deep.equal(['127.0.0.2', '127.0.0.4', '127.0.0.5']);
    expect(await readdir(join(out, '1failed'))).to.deep.equal(['127.0.0.3']);
    expect(await readFile(join(out, '0ok', '127.0.0.4'), 'utf8')).to.equal('0\n');
    expect(await readFile(join(out, '1failed', '127.0.0.3'), 'utf8')).to.equal('4\n');

    const again = await rxssh(['-t', join(out, '0ok'), `${AT}; echo $3`]);
    expect(again.code, again.stderr).to.equal(0);
    expect(sortedLines(again.stdout)).to.deep.equal([
      '127.0.0.2:127.0.0.2',
      '127.0.0.4:127.0.0.4',
      '127.0.0.5:127.0.0.5',
    ]);
  });

  describe('the progress line', () => {
    const command = 'sleep 1; echo done';

    it('shows on a terminal, and is erased after its last draw', async () => {
      const r = await runCliInPty('rxssh', [...fleetArgs(fleet()), '-t', '127.0.0.[2-5]', command]);
      expect(r.code, r.stdout).to.equal(0);
      const raw = r.stdout;
      expect(raw).to.match(PROGRESS);
      expect(raw.lastIndexOf(CLEAR)).to.be.greaterThan(raw.lastIndexOf('hosts done'));
      // without the progress texts and their erasures, the lines are whole: never mixed with the progress
      const shown = raw.replace(PROGRESS, '').replaceAll(CLEAR, '');
      expect(sortedLines(shown.replaceAll('\r\n', '\n'))).to.deep.equal(all().map((a) => `${a}:done`));
    });

    it('-q: no progress line on a terminal', async () => {
      const r = await runCliInPty('rxssh', [...fleetArgs(fleet()), '-q', '-t', '127.0.0.[2-5]', command]);
      expect(r.code, r.stdout).to.equal(0);
      expect(r.stdout).not.to.include('hosts done');
      expect(r.stdout).not.to.include(CLEAR);
      expect(sortedLines(r.stdout.replaceAll('\r\n', '\n'))).to.deep.equal(all().map((a) => `${a}:done`));
    });

    it('never without a terminal', async () => {
      const r = await rxssh(['-t', '127.0.0.[2-5]', command]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.equal('');
      expect(sortedLines(r.stdout)).to.deep.equal(all().map((a) => `${a}:done`));
    });
  });
});

describe('dateDirName', () => {
  it('is YYYY-MM-DD@HH:MM in local time', () => {
    expect(dateDirName(new Date(2024, 0, 5, 7, 3, 59))).to.equal('2024-01-05@07:03');
  });
});
