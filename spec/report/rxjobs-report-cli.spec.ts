// `rxjobs report` through the built CLI.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from 'chai';

import { REPORT_HELP } from '../../lib/cli/rxjobs-report.js';
import { builtCliInScratchDir, runCli } from '../helpers/cli.js';
import { sampleRun } from '../helpers/run-dir.js';

describe('rxjobs report', function () {
  this.timeout(30_000);
  let dir = '';
  builtCliInScratchDir('rxjobs-report-cli-', (d) => (dir = d));

  it('writes RUNDIR/report.html and says where', async () => {
    const run = await sampleRun().write(join(dir, 'run'));
    const result = await runCli('rxjobs', ['report', run]);
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(0);
    expect(result.stdout).to.equal(`report in ${join(run, 'report.html')}\n`);
    expect(await readFile(join(run, 'report.html'), 'utf8')).to.include('measure@fit03');
  });

  it('-o FILE, relative to the working directory', async () => {
    await sampleRun().write(join(dir, 'run'));
    const result = await runCli('rxjobs', ['report', 'run', '-o', 'r.html'], { cwd: dir });
    expect(result.code).to.equal(0);
    expect(result.stdout).to.equal(`report in ${join(dir, 'r.html')}\n`);
    expect(await readFile(join(dir, 'r.html'), 'utf8')).to.include('href="run/outputs/verbose.out"');
  });

  it('a directory that is not a run directory: one line, status 2', async () => {
    const result = await runCli('rxjobs', ['report', dir]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^rxjobs report: .* is not a run directory: it holds none of run\.json/);
    expect(result.stderr.split('\n')).to.have.length(2);
  });

  it('-o into a directory that does not exist: one line, status 2', async () => {
    const run = await sampleRun().write(join(dir, 'run'));
    const result = await runCli('rxjobs', ['report', run, '-o', join(dir, 'nope', 'r.html')]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.equal(
      `rxjobs report: ${join(dir, 'nope', 'r.html')}: cannot be written: its directory does not exist\n`,
    );
  });

  it('no directory, or two: a usage error, status 2; --help shows the help', async () => {
    const none = await runCli('rxjobs', ['report']);
    expect(none.code).to.equal(2);
    expect(none.stderr).to.include('no run directory given');
    const two = await runCli('rxjobs', ['report', 'a', 'b']);
    expect(two.code).to.equal(2);
    expect(two.stderr).to.include('one run directory at a time');
    const help = await runCli('rxjobs', ['report', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.equal(`${REPORT_HELP}\n`);
  });

  it('keeps every help line within 110 columns', () => {
    for (const line of REPORT_HELP.split('\n')) expect(line.length, line).to.be.at.most(110);
  });
});
