// `rxjobs run -`: the scenario read from stdin, its relative paths relative to the working directory, its
// problems named `<stdin>` with lines and columns (issue 11 §5).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { spawn } from 'node:child_process';

import { cliPath, linesOf, runCli, builtCliInScratchDir } from '../helpers/cli.js';

describe('rxjobs run - (the scenario on stdin, built CLI)', function () {
  this.timeout(60_000);
  let dir: string;

  builtCliInScratchDir('rxjobs-stdin-', (d) => (dir = d));

  it('runs a scenario read from stdin, its relative paths relative to the working directory', async () => {
    fs.writeFileSync(path.join(dir, 'hello.sh'), 'echo "script says $1"\n');
    const input = `
nodes: [{ id: here, local: true }]
jobs:
  - { id: first, node: here, commands: ['echo from stdin'] }
  - id: second
    node: here
    requires: first
    commands: [{ type: RunScript, script: hello.sh, args: [hi] }]
`;
    const r = await runCli('rxjobs', ['run', '-q', '-'], { cwd: dir, input });
    expect(r.code, r.stderr).to.equal(0);
    expect(linesOf(r.stdout)).to.deep.equal(['here:from stdin', 'here:script says hi']);
  });

  it('names <stdin> with line and column in every problem, and runs nothing', async () => {
    const input = `nodes: [{ id: here, local: true }]
jobs:
  - { id: a, node: nowhere, commands: ['touch ran'] }
  - { id: b, node: here, commands: [{ type: RunScript, script: missing.sh }] }
`;
    const r = await runCli('rxjobs', ['run', '-'], { cwd: dir, input });
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal('');
    const lines = linesOf(r.stderr);
    expect(lines[0]).to.match(/^<stdin>:3:\d+: jobs\[0\]\.node: unknown node "nowhere"/);
    expect(lines[1]).to.match(
      new RegExp(
        `^<stdin>:4:\\d+: jobs\\[1\\]\\.commands\\[0\\]\\.script: file not found: ${dir}/missing\\.sh`,
      ),
    );
    expect(lines[2]).to.equal('rxjobs: 2 problems in <stdin>; nothing was run');
    expect(fs.existsSync(path.join(dir, 'ran'))).to.equal(false);
  });

  it('reports a YAML syntax error of stdin at its line', async () => {
    const r = await runCli('rxjobs', ['run', '-'], { cwd: dir, input: 'nodes: [\n  {id: x\n' });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^<stdin>:\d+:\d+: /);
  });

  it('Ctrl-C while it waits for stdin (a terminal, an open pipe) stops it at once: exit 130', async () => {
    const child = spawn(process.execPath, [cliPath('rxjobs'), 'run', '-'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const started = performance.now();
    setTimeout(() => child.kill('SIGINT'), 1000);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('close', (c, s) => {
        resolve([c, s]);
      }),
    );
    clearTimeout(timer);
    // 130 from its own handler; SIGINT itself only on a machine so slow that it had not started yet
    expect(code === 130 || signal === 'SIGINT', `exit ${String(code)}, signal ${String(signal)}`).to.equal(
      true,
    );
    expect(performance.now() - started).to.be.below(5000);
  });

  it('--dry-run and --graph dot work on stdin; --graph svg needs --graph-output', async () => {
    const input = `nodes: [{ id: here, local: true }]\njobs: [{ id: a, node: here, commands: ['echo x'] }]\n`;
    const plan = await runCli('rxjobs', ['run', '-n', '-'], { cwd: dir, input });
    expect(plan.code, plan.stderr).to.equal(0);
    expect(plan.stdout).to.include('echo x');
    const dot = await runCli('rxjobs', ['run', '--graph', 'dot', '-'], { cwd: dir, input });
    expect(dot.code, dot.stderr).to.equal(0);
    expect(dot.stdout).to.match(/^digraph/);
    const svg = await runCli('rxjobs', ['run', '--graph', 'svg', '-'], { cwd: dir, input });
    expect([svg.code, svg.stderr]).to.deep.equal([
      2,
      'rxjobs: --graph svg of a scenario read from stdin needs --graph-output FILE\n',
    ]);
  });
});
