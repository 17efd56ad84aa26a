// `rxjobs run` in a real pseudo-terminal (util-linux script): the live view appears above the streamed lines,
// its times tick, and the screen at the end holds the output, the listing and the summary, no block line.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { builtCliInScratchDir, cliPath, shellQuote, startProgram } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';
import { screenOf } from '../helpers/screen.js';

const COLUMNS = 60;

/** A pattern with escapes in it (`\x1b`), which a regular expression literal may not hold. */
const re = (source: string): RegExp => new RegExp(source);

describe('rxjobs run: the live view in a pseudo-terminal (the built CLI)', function () {
  this.timeout(60_000);
  let dir = '';
  builtCliInScratchDir('rxjobs-live-', (d) => (dir = d));

  /** rxjobs run FILE in a pty of COLUMNS × 20 (script gives none: stty sets it), bounded in time. */
  const runInPty = (
    file: string,
    env: Record<string, string> = {},
    options: string[] = [],
  ): Promise<CliResult> => {
    const command = [
      `stty cols ${String(COLUMNS)} rows 20 &&`,
      'exec',
      shellQuote(process.execPath),
      shellQuote(cliPath('rxjobs')),
      'run',
      ...options.map(shellQuote),
      shellQuote(file),
    ].join(' ');
    return startProgram('script', ['-qfec', command, '/dev/null'], {
      env: { TERM: 'xterm', NO_COLOR: undefined, FORCE_COLOR: undefined, COLUMNS: String(COLUMNS), ...env },
      timeoutMs: 30_000,
    }).result;
  };

  const scenario = (text: string): string => {
    const file = path.join(dir, 'live.yaml');
    fs.writeFileSync(file, text);
    return file;
  };

  it('draws the running jobs with ticking times above the output, and leaves a clean screen', async () => {
    const file = scenario(`nodes: [{ id: n, local: true }]
jobs:
  - { id: slow, node: n, commands: ['echo slow-start; sleep 2.4; echo slow-end'] }
  - { id: quick, node: n, commands: ['sleep 0.3; echo quick-end'] }
  - { id: then, node: n, requires: [quick], commands: ['sleep 1.2; echo then-end; exit 3'] }
`);
    const r = await runInPty(file);
    expect(r.code, r.stdout).to.equal(1);
    const out = r.stdout;
    // the block: the counts, and each running job with its time, ticking
    expect(out).to.include('rxjobs: 3 jobs, 0 done, 2 running, 1 waiting, 0s\x1b[K\r\n  slow   0s\x1b[K');
    expect(out).to.match(re(String.raw`\r\n {2}slow {2}1s\x1b\[[KJ]`));
    expect(out).to.match(re(String.raw`\r\n {2}slow {2}2s\x1b\[[KJ]`));
    expect(out).to.match(/rxjobs: 3 jobs, 1 done, 1 failed, 1 running, 0 waiting, \d+s/);
    // erased before each streamed line, drawn again below it
    expect(out).to.match(re(String.raw`\x1b\[J(n:)?then-end\r\n\r`));
    // the screen at the end: output, listing, summary; not one line of the block
    const screen = screenOf(out, COLUMNS);
    expect(screen.filter((l) => /-(start|end)$/.test(l)).map((l) => l.replace(/^n:/, ''))).to.deep.equal([
      'slow-start',
      'quick-end',
      'then-end',
      'slow-end',
    ]);
    expect(screen.some((l) => l.includes('<SshJob `then`>'))).to.equal(true);
    expect(screen.some((l) => l.startsWith('rxjobs: 1 of 3 jobs failed'))).to.equal(true);
    expect(screen.filter((l) => /\d+ running|^ {2}(slow|quick|then) +\d+s$/.test(l))).to.deep.equal([]);
    for (const line of screen) expect(line.length, line).to.be.at.most(COLUMNS);
  });

  for (const [what, env, options] of [
    ['RXJOBS_LIVE=0', { RXJOBS_LIVE: '0' }, []],
    ['--no-live', {}, ['--no-live']],
  ] as const)
    it(`${what} keeps the one progress line`, async () => {
      const file = scenario(`nodes: [{ id: n, local: true }]
jobs: [{ id: a, node: n, commands: ['sleep 0.4; echo a-end'] }]
`);
      const r = await runInPty(file, env, [...options]);
      expect(r.code, r.stdout).to.equal(0);
      expect(r.stdout).to.match(re(String.raw`\r\x1b\[Krxjobs: 0/1 jobs done, 0 failed, 1 running`));
      expect(r.stdout).not.to.include('\x1b[J');
    });
});
