// NO_COLOR, TERM=dumb and FORCE_COLOR (issue 11 §5): the rule, a progress line without escapes, and both
// built CLIs in a pseudo-terminal, where no escape sequence may reach the screen under NO_COLOR or TERM=dumb.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';

import { expect } from 'chai';

import { terminalStyle } from '../../lib/cli/terminal-style.js';
import { ProgressLine } from '../../lib/render/progress.js';
import type { CliOptions } from '../helpers/cli.js';
import { ensureBuilt, fleetArgs, runCli, runCliInPty, useCliFleet } from '../helpers/cli.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('terminalStyle', () => {
  const cases: [string, Record<string, string>, boolean, string, boolean][] = [
    ['a terminal', { TERM: 'xterm' }, true, 'live', true],
    ['NO_COLOR=1', { TERM: 'xterm', NO_COLOR: '1' }, false, 'plain', false],
    ['NO_COLOR set empty (no-color.org: ignored)', { TERM: 'xterm', NO_COLOR: '' }, true, 'live', true],
    ['TERM=dumb', { TERM: 'dumb' }, false, 'none', false],
    ['FORCE_COLOR=1 with NO_COLOR', { NO_COLOR: '1', FORCE_COLOR: '1' }, true, 'plain', false],
    ['FORCE_COLOR=0', { FORCE_COLOR: '0' }, false, 'live', true],
    ['RXJOBS_LIVE=0', { TERM: 'xterm', RXJOBS_LIVE: '0' }, true, 'live', false],
    ['RXJOBS_LIVE=off', { TERM: 'xterm', RXJOBS_LIVE: 'off' }, true, 'live', false],
    ['RXJOBS_LIVE=1', { TERM: 'xterm', RXJOBS_LIVE: '1' }, true, 'live', true],
  ];
  for (const [what, env, color, progress, live] of cases)
    it(`on a terminal, ${what}: color ${String(color)}, progress ${progress}, live view ${String(live)}`, () => {
      expect(terminalStyle(tty, tty, false, env)).to.deep.equal({ color, progress, live });
    });

  it('draws nothing on a pipe, unless FORCE_COLOR asks for colors', () => {
    expect(terminalStyle(pipe, tty, false, {})).to.deep.equal({
      color: false,
      progress: 'none',
      live: false,
    });
    expect(terminalStyle(tty, pipe, false, {})).to.deep.equal({ color: true, progress: 'none', live: false });
    expect(terminalStyle(pipe, tty, false, { FORCE_COLOR: '1' })).to.deep.equal({
      color: true,
      progress: 'none',
      live: false,
    });
    expect(terminalStyle(tty, tty, true, {}).progress, '-q').to.equal('none');
    expect(terminalStyle(tty, tty, true, {}).live, '-q').to.equal(false);
  });
});

describe('ProgressLine without escapes', () => {
  it('erases its line with \\r and spaces only', async () => {
    let written = '';
    const stream = Object.assign(
      new Writable({
        write: (chunk: Buffer, _encoding, callback) => {
          written += chunk.toString();
          callback();
        },
      }),
      { columns: 200 },
    ) as unknown as NodeJS.WriteStream;
    const line = new ProgressLine(stream, { name: 'rxssh', unit: 'hosts', escapes: false, now: () => 0 });
    line.update({ total: 2, done: 1, failed: 0, running: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    const out = line.wrap(stream);
    out.write('a line\n');
    line.stop();
    const text = 'rxssh: 1/2 hosts done, 0 failed, 1 running, 0.0 s';
    const blank = `\r${' '.repeat(text.length)}\r`;
    expect(written).to.equal(`\r${text}${blank}a line\n`);
    expect(written).not.to.include('\u001b');
  });
});

describe('NO_COLOR and TERM=dumb in the built CLIs (in a pseudo-terminal)', function () {
  this.timeout(60_000);
  let dir: string;
  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjobs-nocolor-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const BASE = { TERM: 'xterm', NO_COLOR: undefined, FORCE_COLOR: undefined };

  /** rxjobs -b on two local jobs that last long enough for the progress line to show. */
  const rxjobs = (env: CliOptions['env']): ReturnType<typeof runCliInPty> => {
    const file = path.join(dir, 'gather.yaml');
    fs.writeFileSync(
      file,
      `nodes: [{ id: n1, local: true }, { id: n2, local: true }]
jobs:
  - { id: a, node: n1, commands: ['sleep 0.5; echo same'] }
  - { id: b, node: n2, commands: ['sleep 0.5; echo same'] }
`,
    );
    return runCliInPty('rxjobs', ['run', '-b', file], { env: { ...BASE, ...env } });
  };

  it('rxjobs on a terminal: a bold header and a live view (what the others must not have)', async () => {
    const r = await rxjobs({});
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).to.include('\u001b[1ma,b (2)');
    expect(r.stdout).to.include(
      'rxjobs: 2 jobs, 0 done, 2 running, 0 waiting, 0s\u001b[K\r\n  a  0s\u001b[K\r\n  b  0s\u001b[J',
    );
  });

  it('rxjobs with RXJOBS_LIVE=0: the one progress line', async () => {
    const r = await rxjobs({ RXJOBS_LIVE: '0' });
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).to.include('\r\u001b[K');
    expect(r.stdout).to.match(/rxjobs: \d\/2 jobs done/);
    expect(r.stdout).not.to.include('running, 0 waiting');
  });

  it('rxjobs with NO_COLOR=1: no escape at all, the progress line drawn with \\r only', async () => {
    const r = await rxjobs({ NO_COLOR: '1' });
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).to.match(/a,b \(2\) +exit 0/);
    expect(r.stdout).to.match(/rxjobs: \d\/2 jobs done/);
    expect(r.stdout).not.to.include('\u001b');
  });

  it('rxjobs with TERM=dumb: no escape, no progress line', async () => {
    const r = await rxjobs({ TERM: 'dumb' });
    expect(r.code, r.stdout).to.equal(0);
    expect(r.stdout).to.match(/a,b \(2\) +exit 0/);
    expect(r.stdout).not.to.include('\u001b');
    expect(r.stdout).not.to.include('jobs done');
  });

  it('rxjobs with FORCE_COLOR=1 into a pipe: a bold header', async () => {
    const file = path.join(dir, 'one.yaml');
    fs.writeFileSync(
      file,
      `nodes: [{ id: n, local: true }]\njobs: [{ id: a, node: n, commands: ['echo x'] }]\n`,
    );
    const r = await runCli('rxjobs', ['run', '-q', '-b', file], { env: { ...BASE, FORCE_COLOR: '1' } });
    expect(r.stdout).to.include('\u001b[1ma (1)');
  });

  describe('rxssh on two hosts', () => {
    const { fleet } = useCliFleet(2);
    const rxssh = (env: CliOptions['env']): ReturnType<typeof runCliInPty> =>
      runCliInPty(
        'rxssh',
        [...fleetArgs(fleet()), '-b', '-t', '127.0.0.[2-3]', 'sleep 0.5; echo same; exit 3'],
        { env: { ...BASE, ...env } },
      );

    it('on a terminal: a bold header and a live progress line', async () => {
      const r = await rxssh({});
      expect(r.code).to.equal(1);
      expect(r.stdout).to.include('\u001b[1m127.0.0.[2-3] (2)');
      expect(r.stdout).to.include('\r\u001b[K');
    });

    for (const [what, env, progress] of [
      ['NO_COLOR=1', { NO_COLOR: '1' }, true],
      ['TERM=dumb', { TERM: 'dumb' }, false],
    ] as const)
      it(`with ${what}: no escape at all, in the blocks, the progress line and the summary`, async () => {
        const r = await rxssh(env);
        expect(r.code).to.equal(1);
        expect(r.stdout).to.match(/127\.0\.0\.\[2-3\] \(2\) +exit 3/);
        expect(r.stdout).to.match(/rxssh: 2 of 2 hosts failed/);
        expect(r.stdout).not.to.include('\u001b');
        expect(/hosts done/.test(r.stdout)).to.equal(progress);
      });
  });
});
