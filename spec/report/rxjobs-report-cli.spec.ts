// `rxjobs report` through the built CLI.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from 'chai';

import { REPORT_HELP } from '../../lib/cli/rxjobs-report.js';
import { scenarioSlug } from '../../lib/record/run-dir.js';
import { builtCliInScratchDir, cliPath, runCli, startProgram } from '../helpers/cli.js';
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
    expect(result.stderr).to.match(
      /^rxjobs report: .*: is a directory that holds no run \(no run\.json, no run folder\): give a run directory/,
    );
    expect(result.stderr.split('\n')).to.have.length(2);
  });

  it('a scenario file, or its folder of runs: the report of its latest run', async () => {
    const scenario = join(dir, 'deploy.yaml');
    await writeFile(scenario, 'jobs: []\n');
    const root = join(dir, 'rec');
    const folder = join(root, scenarioSlug(scenario));
    await sampleRun().write(join(folder, '20261207T150000Z-aaaa'));
    const latest = await sampleRun().write(join(folder, '20261207T160000Z-bbbb'));
    const env = { RXJOBS_RECORD_DIR: root };
    const byFile = await runCli('rxjobs', ['report', 'deploy.yaml'], { cwd: dir, env });
    expect(byFile.stderr).to.equal('');
    expect(byFile.stdout).to.equal(`report in ${join(latest, 'report.html')}\n`);
    const byFolder = await runCli('rxjobs', ['report', folder]);
    expect(byFolder.stdout).to.equal(`report in ${join(latest, 'report.html')}\n`);
    const elsewhere = await runCli('rxjobs', ['report', 'deploy.yaml', '--record-dir', 'nowhere'], {
      cwd: dir,
    });
    expect(elsewhere.code).to.equal(2);
    expect(elsewhere.stderr).to.equal(
      `rxjobs report: ${scenario}: no run of this scenario is recorded under ${join(dir, 'nowhere')}: ` +
        'run it once first, or give a run directory\n',
    );
  });

  it('a run directory it cannot write in: one line naming report.html, suggesting -o FILE', async function () {
    const run = await sampleRun().write(join(dir, 'run'));
    await chmod(dir, 0o755);
    await chmod(run, 0o555);
    // root writes anywhere: run the CLI as root without the capability to override permissions then (as
    // another user, it could not read a checkout in a private temporary directory)
    const node = [process.execPath, cliPath('rxjobs'), 'report', run];
    const argv =
      process.getuid?.() === 0
        ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--', ...node]
        : node;
    const result = await startProgram(argv[0] as string, argv.slice(1)).result;
    await chmod(run, 0o755);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.equal(
      `rxjobs report: ${join(run, 'report.html')}: cannot be written: no permission to write in its directory: ` +
        'write it elsewhere with -o FILE\n',
    );
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
    expect(none.stderr).to.include('no run given: rxjobs report RUN');
    const two = await runCli('rxjobs', ['report', 'a', 'b']);
    expect(two.code).to.equal(2);
    expect(two.stderr).to.include('one run at a time');
    const help = await runCli('rxjobs', ['report', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.equal(`${REPORT_HELP}\n`);
  });

  it('keeps every help line within 110 columns', () => {
    for (const line of REPORT_HELP.split('\n')) expect(line.length, line).to.be.at.most(110);
  });
});
