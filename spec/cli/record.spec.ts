import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { readRun } from '../../lib/index.js';
import type { RunJson } from '../../lib/index.js';
import { builtCliInScratchDir, linesOf, runCli, startCli } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';

/** The run directory that the last line of stderr named (the helper takes that line out of `stderr`). */
const recordedIn = (r: CliResult): string => {
  expect(r.recorded, `no "recorded in" last line; stderr:\n${r.stderr}`).to.be.a('string');
  return r.recorded as string;
};

const records = (dir: string): Record<string, unknown>[] =>
  fs
    .readFileSync(path.join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('rxjobs run: the run record', function () {
  this.timeout(60_000);
  let dir: string;
  let root: string;
  builtCliInScratchDir('rxjobs-record-', (d) => {
    dir = d;
    root = path.join(d, 'runs');
  });

  const scenario = (text: string, name = 'deploy.yaml'): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const rxjobs = (args: readonly string[]) =>
    runCli('rxjobs', args, { cwd: dir, env: { RXJOBS_RECORD_DIR: root } });

  const LOCAL = `
nodes:
  - { id: here, local: true }
jobs:
  - id: prepare
    node: here
    label: getting ready
    commands:
      - { type: Run, command: 'echo ready; echo warm >&2', capture: state }
  - id: use
    node: here
    requires: prepare
    commands: ['echo got {{state}}', 'exit 4']
`;

  it('records the scenario, the plan keyed by ids, each event, capture and result, the outputs and the end', async () => {
    const file = scenario(LOCAL);
    const r = await rxjobs(['run', 'deploy.yaml', '--var', 'db_password=hunter2']);
    expect(r.code, r.stderr).to.equal(1);
    const run = recordedIn(r);
    const slug = `deploy-${createHash('sha256').update(file).digest('hex').slice(0, 8)}`;
    expect(path.relative(root, run)).to.match(new RegExp(`^${slug}/\\d{8}T\\d{6}Z-[0-9a-f]{4}$`));

    const record = await readRun(run);
    expect(record.run).to.include({
      program: 'rxjobs',
      outcome: 'failure',
      exitStatus: 1,
      cwd: dir,
      // for people, not the scheduler's `fine: every job completed (1 failed, not critical)`
      why: '1 job failed (not critical)',
    });
    expect(record.run.scenario).to.deep.equal({
      path: file,
      sha256: createHash('sha256').update(LOCAL).digest('hex'),
    });
    expect(record.run.counts).to.include({ total: 2, done: 1, failed: 1 });
    // a secret given on the command line is not kept
    expect(record.run.argv).to.deep.equal(['run', 'deploy.yaml', '--var', 'db_password=***']);
    for (const name of fs.readdirSync(run).filter((n) => n.endsWith('.json') || n.endsWith('.jsonl')))
      expect(fs.readFileSync(path.join(run, name), 'utf8')).not.to.include('hunter2');
    expect(fs.readFileSync(path.join(run, 'scenario.yaml'), 'utf8')).to.equal(LOCAL);

    expect(record.plan.map((p) => [p.key, p.label, p.requires])).to.deep.equal([
      ['prepare', 'getting ready', []],
      ['use', 'use', ['prepare']],
    ]);
    const types = record.events.map((e) => `${e.type}:${'key' in e ? String(e.key) : ''}`);
    expect(types).to.include.members(['capture:prepare', 'result:', 'exit:use', 'failed:use']);
    expect(record.events.find((e) => e.type === 'capture')).to.include({
      key: 'prepare',
      name: 'state',
      value: 'ready',
    });
    // the CLI's result records, as --json writes them (their target is the job's label)
    const results = record.events.filter((e) => e.type === 'result');
    expect(results.map((e) => [(e as { target: string }).target, e.ok])).to.deep.equal([
      ['getting ready', true],
      ['use', false],
    ]);
    expect(record.events.at(-1)).to.include({ type: 'end', outcome: 'failure', ok: false });
    expect(fs.readFileSync(record.outputsOf('prepare').out ?? '', 'utf8')).to.equal('ready\n');
    expect(fs.readFileSync(record.outputsOf('prepare').err ?? '', 'utf8')).to.equal('warm\n');
    expect(fs.readFileSync(record.outputsOf('use').out ?? '', 'utf8')).to.equal('got ready\n');
  });

  it('keeps the rendered text of a template, and names the run in the --json summary', async () => {
    scenario(
      `nodes: [{ id: here, local: true }]\njobs:\n{% for i in [1, 2] %}  - { id: j{{ i }}, node: here, commands: ['echo {{ i }}'] }\n{% endfor %}`,
      'many.yaml.j2',
    );
    const r = await rxjobs(['run', '--json', 'many.yaml.j2']);
    expect(r.code, r.stderr).to.equal(0);
    const summary = JSON.parse(linesOf(r.stdout).at(-1) ?? '{}') as { type: string; record?: string };
    expect(summary.type).to.equal('summary');
    expect(summary.record).to.equal(recordedIn(r));
    expect(path.basename(path.dirname(summary.record ?? ''))).to.match(/^many-[0-9a-f]{8}$/);
    const text = fs.readFileSync(path.join(summary.record ?? '', 'scenario.yaml'), 'utf8');
    expect(text).to.include("- { id: j2, node: here, commands: ['echo 2'] }");
    expect(text).not.to.include('{%');
  });

  it('records nothing with --no-record, --dry-run or --graph, and nothing said with -q', async () => {
    scenario(LOCAL);
    for (const args of [['--no-record'], ['--dry-run'], ['--graph', 'dot']]) {
      const r = await rxjobs(['run', 'deploy.yaml', ...args]);
      expect(r.recorded).to.equal(undefined);
      expect(r.stderr).not.to.include('recorded in');
    }
    expect(fs.existsSync(root)).to.equal(false);
    const quiet = await rxjobs(['run', '-q', 'deploy.yaml']);
    expect(quiet.recorded).to.equal(undefined);
    expect(quiet.stderr).not.to.include('recorded in');
    expect(fs.readdirSync(root)).to.have.length(1);
  });

  it('records under --record-dir rather than $RXJOBS_RECORD_DIR; refuses it with --no-record', async () => {
    scenario(LOCAL);
    const r = await rxjobs(['run', 'deploy.yaml', '--record-dir', 'here']);
    expect(recordedIn(r).startsWith(path.join(dir, 'here', 'deploy-'))).to.equal(true);
    // with --no-record there is nothing to report later: no "(or run rxjobs report later)"
    const report = await rxjobs(['run', 'deploy.yaml', '--no-record', '--report']);
    expect(report.code).to.equal(2);
    expect(linesOf(report.stderr)[0]).to.match(/--report needs the run record: drop --no-record$/);
    const both = await rxjobs(['run', 'deploy.yaml', '--record-dir', 'x', '--no-record']);
    expect(both.code).to.equal(2);
    expect(both.stderr).to.match(/--record-dir and --no-record contradict each other/);
  });

  it('warns once and runs anyway, with the same exit status, when the record dir cannot be made', async () => {
    scenario(LOCAL);
    fs.writeFileSync(path.join(dir, 'file'), '');
    const r = await rxjobs(['run', 'deploy.yaml', '--record-dir', 'file/runs']);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include('here:got ready');
    const warnings = linesOf(r.stderr).filter((l) => l.includes('cannot record'));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/^rxjobs: cannot record in .*file\/runs: ENOTDIR.*; running anyway$/);
    expect(r.recorded).to.equal(undefined);
  });

  const SLOW = `
nodes: [{ id: here, local: true }]
jobs:
  - { id: quick, node: here, commands: ['echo quick'] }
  - { id: slow, node: here, requires: quick, commands: ['echo started; sleep 30'] }
`;

  /** Starts the slow scenario; resolves once its slow job has printed, with the run directory. */
  const startSlow = async () => {
    scenario(SLOW);
    const cli = startCli('rxjobs', ['run', 'deploy.yaml'], { cwd: dir, env: { RXJOBS_RECORD_DIR: root } });
    expect(await eventually(() => cli.output().stdout.includes('here:started'), 15_000)).to.equal(true);
    const [slug] = fs.readdirSync(root);
    const [id] = fs.readdirSync(path.join(root, slug ?? ''));
    return { cli, run: path.join(root, slug ?? '', id ?? '') };
  };

  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    it(`marks a run stopped by ${signal} as interrupted, in the journal and in run.json`, async () => {
      const { cli, run } = await startSlow();
      cli.child.kill(signal);
      const r = await cli.result;
      expect(r.code).to.equal(status);
      expect(recordedIn(r)).to.equal(run);
      const record = await readRun(run);
      expect(record.interrupted).to.equal(true);
      expect(record.run).to.include({
        outcome: 'interrupted',
        exitStatus: status,
        why: `interrupted by ${signal}`,
      });
      expect(record.events.at(-1)).to.include({ type: 'end', outcome: 'interrupted' });
      expect(record.run.counts).to.include({ done: 1, cancelled: 1 });
    });

  it('records a scenario read from stdin under stdin-<hash of its text>/, its text as read', async () => {
    const viaStdin = (text: string, args: readonly string[] = []) =>
      runCli('rxjobs', ['run', '-', ...args], { cwd: dir, env: { RXJOBS_RECORD_DIR: root }, input: text });
    const r = await viaStdin(LOCAL);
    expect(r.code, r.stderr).to.equal(1);
    const run = recordedIn(r);
    const hash = createHash('sha256').update(LOCAL).digest('hex').slice(0, 8);
    expect(path.basename(path.dirname(run))).to.equal(`stdin-${hash}`);
    expect(fs.readFileSync(path.join(run, 'scenario.yaml'), 'utf8')).to.equal(LOCAL);
    expect((await readRun(run)).run.scenario?.path).to.equal('<stdin>');
    // another text, run after it: `--resume` of the first text still finds the first text's run
    const other = `nodes: [{ id: here, local: true }]\njobs: [{ id: z, node: here, commands: ['true'] }]\n`;
    expect(path.basename(path.dirname(recordedIn(await viaStdin(other))))).not.to.equal(`stdin-${hash}`);
    const resumed = await viaStdin(LOCAL, ['--resume', '--dry-run']);
    expect(resumed.stdout + resumed.stderr).to.include(`resuming ${run}`);
  });

  it('records a resumed run: resumedFrom, the jobs restored counted apart from those run', async () => {
    const flag = path.join(dir, 'flag');
    scenario(`
nodes: [{ id: here, local: true }]
jobs:
  - { id: a, node: here, commands: ['echo a'] }
  - { id: b, node: here, commands: ['test -e ${flag}'] }
  - { id: c, node: here, requires: b, commands: ['echo c'] }
`);
    const first = recordedIn(await rxjobs(['run', 'deploy.yaml']));
    fs.writeFileSync(flag, '');
    const r = await rxjobs(['run', 'deploy.yaml', '--resume']);
    expect(r.code, r.stderr).to.equal(0);
    const run = (await readRun(recordedIn(r))).run;
    expect(run.resumedFrom).to.equal(first);
    expect(run.counts).to.include({ total: 3, restored: 1, done: 2, failed: 0 });
    expect(run).to.include({ outcome: 'success', why: 'every job completed' });
  });

  it('on a full disk: cuts the outputs, records the events and the end, says "partly recorded"; --resume reads it', async function () {
    // a real full disk: a tmpfs of 300 KiB (root only); a job printing 1 MB fills it
    const full = path.join(dir, 'full');
    fs.mkdirSync(full);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=300k', 'tmpfs', full], { encoding: 'utf8' });
    if (mount.status !== 0) {
      console.log(`      (cannot mount a tmpfs: ${(mount.stderr || String(mount.error)).trim()}: left out)`);
      this.skip();
    }
    try {
      scenario(`
nodes: [{ id: here, local: true }]
jobs:
  - { id: a, node: here, commands: ['head -c 1000000 /dev/zero | tr "\\0" x; echo'] }
  - { id: b, node: here, requires: a, commands: ['echo b'] }
`);
      const r = await rxjobs(['run', 'deploy.yaml', '--record-dir', full]);
      expect(r.code, r.stderr).to.equal(0);
      const lines = linesOf(r.stderr);
      expect(lines.filter((l) => l.includes('outputs no longer recorded'))).to.have.length(1);
      const last = /^rxjobs: partly recorded in (\/\S+) \(outputs cut: no space left on device\)$/.exec(
        lines.at(-1) ?? '',
      );
      expect(last, r.stderr).not.to.equal(null);
      const record = await readRun(last?.[1] ?? '');
      expect(record.interrupted).to.equal(false);
      expect(record.run).to.include({ outcome: 'success', exitStatus: 0 });
      expect(record.run.recordIncomplete?.outputs).to.include({
        reason: 'no space left on device',
        file: 'outputs/a.out',
      });
      expect(record.run.recordIncomplete?.events).to.equal(undefined);
      const done = record.events.filter((e) => e.type === 'done').map((e) => ('key' in e ? e.key : ''));
      expect(done).to.deep.equal(['a', 'b']);
      expect(fs.existsSync(path.join(record.dir, '.reserve'))).to.equal(false);
      // what it holds is enough to resume it: nothing to run
      const again = await rxjobs(['run', 'deploy.yaml', '--record-dir', full, '--resume']);
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stderr).to.include(`every job succeeded in ${record.dir}: nothing to run`);
    } finally {
      spawnSync('umount', [full]);
    }
  });

  it('leaves a journal valid up to its last full line after kill -9, read as interrupted', async () => {
    const { cli, run } = await startSlow();
    // the slow job's started record is written within the journal's delay (100 ms)
    const started = (): boolean => records(run).some((e) => e['type'] === 'started' && e['key'] === 'slow');
    expect(await eventually(started, 5000)).to.equal(true);
    cli.child.kill('SIGKILL');
    await cli.result;
    const stored = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')) as RunJson;
    expect(stored.ended).to.equal(undefined);
    const record = await readRun(run);
    expect(record.interrupted).to.equal(true);
    expect(record.run.outcome).to.equal('interrupted');
    expect(record.events.map((e) => e.type)).to.include.members(['started', 'exit', 'done']);
    expect(record.events.some((e) => e.type === 'end')).to.equal(false);
  });

  it('writes the values of secret variables as *** in the plan, the journal and the scenario, in a private directory', async () => {
    scenario(`
variables: { api_token: tok-s3cr3t-42 }
nodes:
  - { id: here, local: true }
jobs:
  - { id: use, node: here, commands: ['test {{api_token}} = tok-s3cr3t-42', 'test {{db_password}} = hunter22'] }
`);
    const r = await rxjobs(['run', 'deploy.yaml', '--var', 'db_password=hunter22']);
    expect(r.code, r.stderr).to.equal(0);
    const run = recordedIn(r);
    for (const name of ['run.json', 'plan.json', 'events.jsonl', 'scenario.yaml']) {
      const text = fs.readFileSync(path.join(run, name), 'utf8');
      expect(text, name).not.to.include('tok-s3cr3t-42').and.not.to.include('hunter22');
    }
    expect(fs.readFileSync(path.join(run, 'plan.json'), 'utf8')).to.include('test *** = ***');
    expect(fs.statSync(run).mode & 0o777).to.equal(0o700);
  });
});
