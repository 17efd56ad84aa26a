// `rxjobs run --report`: the report written at the end of a recorded run, through the built CLI.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { builtCliInScratchDir, runCli } from '../helpers/cli.js';

describe('rxjobs run --report', function () {
  this.timeout(60_000);
  let dir = '';
  builtCliInScratchDir('rxjobs-run-report-', (d) => (dir = d));

  const SCENARIO = `
nodes: [{ id: here, local: true }]
jobs:
  - id: prepare
    node: here
    commands: ['echo ready']
  - id: m
    requires: prepare
    matrix: { x: [0, 1, 2, 3] }
    maxFailures: 1
    jobs: [{ id: t, node: here, commands: ['test {{x}} != 1'] }]
  - id: use
    node: here
    requires: m
    commands: ['echo "<script>alert(1)</script>"', 'exit 4']
`;

  it('writes report.html into the run directory at the end, and says where after the record line', async () => {
    fs.writeFileSync(path.join(dir, 'deploy.yaml'), SCENARIO);
    const root = path.join(dir, 'runs');
    const r = await runCli('rxjobs', ['run', 'deploy.yaml', '--report'], {
      cwd: dir,
      env: { RXJOBS_RECORD_DIR: root },
    });
    expect(r.code, r.stderr).to.equal(1);
    const [, run] = /rxjobs: recorded in (.*)\n/.exec(r.stderr) ?? [];
    expect(run, r.stderr).to.be.a('string');
    const file = path.join(run ?? '', 'report.html');
    expect(r.stderr.endsWith(`rxjobs: report in ${file}\n`), r.stderr).to.equal(true);
    const html = fs.readFileSync(file, 'utf8');
    const plan = JSON.parse(fs.readFileSync(path.join(run ?? '', 'plan.json'), 'utf8')) as {
      jobs: { kind: string }[];
    };
    const leaves = plan.jobs.filter((j) => j.kind === 'job').length;
    expect(leaves).to.equal(6); // prepare, 4 instances of m.t, use
    expect(html.match(/<rect class="bar/g)).to.have.length(leaves);
    expect(html).to.include('id="outcome">failure<').and.include('exit 4');
    expect(html).to.include('&lt;script&gt;alert(1)&lt;/script&gt;').and.not.include('<script>');
  });

  it('refuses --report with --no-record, --dry-run or --graph: usage error, status 2', async () => {
    fs.writeFileSync(path.join(dir, 'deploy.yaml'), SCENARIO);
    for (const extra of [['--no-record'], ['--dry-run'], ['--graph', 'dot']]) {
      const r = await runCli('rxjobs', ['run', 'deploy.yaml', '--report', ...extra], { cwd: dir });
      expect(r.code, `${extra.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(r.stderr).to.match(/--report (needs the run record|goes with a run)/);
    }
  });
});
