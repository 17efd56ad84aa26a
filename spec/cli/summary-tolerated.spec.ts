// Failures that a scheduler's maxFailures tolerated, at the CLI's end: ok for the exit status, listed in
// the summary with what tolerated them, filed under 1failed/ by --mark. Real commands on the local machine,
// run through runWithOutput (what `rxjobs run` uses); no scenario file can make a folded group yet, so the
// built CLI is not run here.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';

import { LocalNode, Run, RunIf, Scheduler, SshJob } from '../../lib/index.js';
import { JsonStream } from '../../lib/cli/json-stream.js';
import type { UnitResult } from '../../lib/cli/json-stream.js';
import { runWithOutput } from '../../lib/cli/run-output.js';
import { failureSummary } from '../../lib/cli/summary.js';
import { exitStatusOf, unitResultOf, writeMarks } from '../../lib/cli/unit-results.js';
import { fits, HostGroup, LenientGroup, member, unreachable } from '../helpers/folded.js';

/**
 * `prepare fit[01-04]`: a folded group whose members on `failing` hosts exit 1, with `maxFailures` (and
 * `jobsWindow`).
 */
function testbed(failing: readonly string[], maxFailures: number | `${number}%`, jobsWindow?: number) {
  const node = new LocalNode();
  const members = fits(4).map(
    (host) =>
      new SshJob(node, [new Run(failing.includes(host) ? 'exit 1' : 'true')], { label: `prepare@${host}` }),
  );
  const group = new HostGroup(members, {
    label: 'prepare fit[01-04]',
    fold: true,
    maxFailures,
    critical: false,
    ...(jobsWindow === undefined ? {} : { jobsWindow }),
  });
  return { node, members, group, scheduler: new Scheduler([group], { label: 'main' }) };
}

/** The results of each member, from the events of one run. */
async function resultsOf(scheduler: Scheduler, labels: readonly string[]): Promise<UnitResult[]> {
  const events = await lastValueFrom(scheduler.run().pipe(toArray()));
  const results = new Map<string, UnitResult>();
  for (const e of events) {
    if (e.type === 'end' || !labels.includes(e.job.label)) continue;
    const result = unitResultOf(e.job.label, e);
    if (result !== undefined) results.set(e.job.label, result);
  }
  return labels.map((l) => results.get(l) ?? { label: l, ok: false, status: 'not run' });
}

const stream = (): NodeJS.WriteStream & { text: () => string } => {
  const s = new PassThrough();
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  return Object.assign(s as unknown as NodeJS.WriteStream, { text: () => Buffer.concat(chunks).toString() });
};

describe('tolerated failures at the end of a CLI run', () => {
  it('a tolerated failure is ok, "failed (tolerated)", and keeps how it failed', async () => {
    const { members, scheduler } = testbed(['fit02', 'fit03'], 2);
    const results = await resultsOf(
      scheduler,
      members.map((m) => m.label),
    );
    expect(results.map((r) => [r.label, r.ok, r.status])).to.deep.equal([
      ['prepare@fit01', true, 'exit 0'],
      ['prepare@fit02', true, 'failed (tolerated)'],
      ['prepare@fit03', true, 'failed (tolerated)'],
      ['prepare@fit04', true, 'exit 0'],
    ]);
    expect(results[1]?.tolerated).to.deep.equal({ status: 'exit 1', note: 'tolerated (maxFailures 2)' });
    expect(results[1]?.code).to.equal(1);
    expect(exitStatusOf(results, false, undefined)).to.equal(0);
    expect(failureSummary('rxjobs', 'jobs', results).split('\n')).to.deep.equal([
      'rxjobs: no job failed; 2 failures tolerated:',
      '  prepare@fit[02-03]  exit 1  localhost: command "exit 1" failed (exit 1)  tolerated (maxFailures 2)',
      '',
    ]);
  });

  it('a failure beyond the budget still fails the exit status, listed apart from the tolerated one', async () => {
    // one member at a time: fit01 fails first (tolerated), fit03 is one too many, fit04 never starts
    const { members, scheduler } = testbed(['fit01', 'fit03'], '25%', 1);
    const results = await resultsOf(
      scheduler,
      members.map((m) => m.label),
    );
    expect(results.map((r) => [r.label, r.ok, r.status])).to.deep.equal([
      ['prepare@fit01', true, 'failed (tolerated)'],
      ['prepare@fit02', true, 'exit 0'],
      ['prepare@fit03', false, 'exit 1'],
      ['prepare@fit04', false, 'not run'],
    ]);
    expect(exitStatusOf(results, false, undefined)).to.equal(1);
    expect(failureSummary('rxjobs', 'jobs', results).split('\n')).to.deep.equal([
      'rxjobs: 2 of 4 jobs failed; 1 other failure tolerated:',
      '  prepare@fit01  exit 1   localhost: command "exit 1" failed (exit 1)  tolerated (maxFailures 25%)',
      '  prepare@fit03  exit 1   localhost: command "exit 1" failed (exit 1)',
      '  prepare@fit04  not run',
      '',
    ]);
  });

  it('a failure the budget did not count is ok too, said ignored', async () => {
    const group = new LenientGroup([unreachable('p', 'fit01'), member('p', 'fit02')], {
      label: 'p fit[01-02]',
      fold: true,
      maxFailures: 0,
    });
    const results = await resultsOf(new Scheduler([group], { label: 'main' }), ['p@fit01', 'p@fit02']);
    expect(results[0]).to.deep.include({
      ok: true,
      status: 'failed (tolerated)',
      tolerated: { status: 'failed', note: 'ignored (not counted against maxFailures 0)' },
    });
    expect(exitStatusOf(results, false, undefined)).to.equal(0);
    expect(failureSummary('rxjobs', 'jobs', results)).to.equal(
      'rxjobs: no job failed; 1 failure ignored:\n' +
        '  p@fit01  failed  job "p@fit01" failed: Error: fit01 unreachable  ignored (not counted against maxFailures 0)\n',
    );
  });

  it('runWithOutput: exit status 0, the summary on stderr, --mark files the tolerated one as failed', async () => {
    const { node, members, scheduler } = testbed(['fit02'], 1);
    const dir = await mkdtemp(join(tmpdir(), 'rxjobs-tolerated-'));
    const stdout = stream();
    const stderr = stream();
    try {
      const report = await runWithOutput(
        scheduler,
        members.map((job) => ({ job, label: job.label })),
        { outDir: dir, mark: true, quiet: true },
        { name: 'rxjobs', unitName: 'jobs', nodes: [node], stdout, stderr, cwd: process.cwd() },
      );
      expect(report.exitStatus).to.equal(0);
      expect(report.ok).to.equal(true);
      expect(stderr.text()).to.equal(
        'rxjobs: no job failed; 1 failure tolerated:\n' +
          '  prepare@fit02  exit 1  localhost: command "exit 1" failed (exit 1)  tolerated (maxFailures 1)\n',
      );
      expect((await readdir(join(dir, '1failed'))).sort()).to.deep.equal(['prepare@fit02']);
      expect(await readFile(join(dir, '1failed', 'prepare@fit02'), 'utf8')).to.equal('1\n');
      expect((await readdir(join(dir, '0ok'))).sort()).to.deep.equal([
        'prepare@fit01',
        'prepare@fit03',
        'prepare@fit04',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runWithOutput --json: the result record keeps how it failed, the summary counts it', async () => {
    const { node, members, scheduler } = testbed(['fit02'], 1);
    const stdout = stream();
    const report = await runWithOutput(
      scheduler,
      members.map((job) => ({ job, label: job.label })),
      { json: true, quiet: true },
      { name: 'rxjobs', unitName: 'jobs', nodes: [node], stdout, stderr: stream(), cwd: process.cwd() },
    );
    expect(report.exitStatus).to.equal(0);
    const records = stdout
      .text()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.find((r) => r['type'] === 'result' && r['target'] === 'prepare@fit02')).to.deep.include({
      ok: true,
      status: 'failed (tolerated)',
      code: 1,
      tolerated: { status: 'exit 1', note: 'tolerated (maxFailures 1)' },
    });
    expect(records.at(-1)).to.deep.include({
      type: 'summary',
      ok: true,
      exitStatus: 0,
      total: 4,
      succeeded: 4,
      failed: 0,
      tolerated: 1,
    });
  });

  it('writeMarks: a tolerated failure holds its code, else how it failed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxjobs-marks-'));
    try {
      await writeMarks(dir, [
        { label: 'a', ok: true, status: 'failed (tolerated)', tolerated: { status: 'refused', note: 'x' } },
        { label: 'b', ok: true, status: 'exit 0', code: 0 },
      ]);
      expect(await readFile(join(dir, '1failed', 'a'), 'utf8')).to.equal('refused\n');
      expect(await readFile(join(dir, '0ok', 'b'), 'utf8')).to.equal('0\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a job skipped because a tolerated failure did not succeed is forgiven too; one skipped by an untolerated one is not', async () => {
    const node = new LocalNode();
    const job = (label: string, command: string, runIf: RunIf = RunIf.AllDone) =>
      new SshJob(node, [new Run(command)], { label, runIf });
    const broken = job('prepare@fit02', 'exit 1');
    const after = job('collect@fit02', 'true', RunIf.AllSuccess).requires(broken);
    const group = new HostGroup([job('prepare@fit01', 'true'), broken, after], {
      label: 'prepare fit[01-02]',
      fold: true,
      maxFailures: 1,
      critical: false,
    });
    const results = await resultsOf(new Scheduler([group]), ['prepare@fit02', 'collect@fit02']);
    expect(results.map((r) => [r.label, r.ok, r.status])).to.deep.equal([
      ['prepare@fit02', true, 'failed (tolerated)'],
      ['collect@fit02', true, 'skipped'],
    ]);
    expect(results[1]?.tolerated?.note).to.equal('prepare@fit02 failed, tolerated');
    expect(exitStatusOf(results, false, undefined)).to.equal(0);
    // the heading does not say "failed" of a run that exits 0; the skip's line says its cause once
    expect(failureSummary('rxjobs', 'jobs', results).split('\n')).to.deep.equal([
      'rxjobs: no job failed; 1 failure tolerated, 1 job not run after it:',
      '  prepare@fit02  exit 1   localhost: command "exit 1" failed (exit 1)  tolerated (maxFailures 1)',
      '  collect@fit02  skipped  prepare@fit02 failed, tolerated',
      '',
    ]);

    const strict = job('prepare@fit03', 'exit 1');
    const next = job('collect@fit03', 'true', RunIf.AllSuccess).requires(strict);
    const plain = await resultsOf(new Scheduler([strict, next], { critical: false }), ['collect@fit03']);
    expect(plain.map((r) => [r.label, r.ok, r.status])).to.deep.equal([['collect@fit03', false, 'skipped']]);
  });

  it('the heading counts real failures apart from tolerated ones and from the jobs not run after them', () => {
    const failed = (label: string): UnitResult => ({ label, ok: false, status: 'exit 1', detail: 'x' });
    const tolerated = (label: string, note = 'tolerated (maxFailures 2)'): UnitResult => ({
      label,
      ok: true,
      status: 'failed (tolerated)',
      detail: 'x',
      tolerated: { status: 'exit 1', note },
    });
    const after = (label: string, status = 'skipped'): UnitResult => ({
      label,
      ok: true,
      status,
      detail: 'not run: p did not succeed',
      tolerated: { status, note: 'p failed, tolerated' },
    });
    const ok = (label: string): UnitResult => ({ label, ok: true, status: 'exit 0' });
    const heading = (results: UnitResult[]): string =>
      failureSummary('rxjobs', 'jobs', results).split('\n')[0] ?? '';
    expect(heading([tolerated('a'), tolerated('b'), after('c'), after('d', 'not run'), ok('e')])).to.equal(
      'rxjobs: no job failed; 2 failures tolerated, 2 jobs not run after them:',
    );
    expect(heading([failed('a'), tolerated('b'), tolerated('c'), after('d'), ok('e')])).to.equal(
      'rxjobs: 1 of 5 jobs failed; 2 other failures tolerated, 1 job not run after them:',
    );
    expect(
      heading([tolerated('a'), tolerated('b', 'ignored (not counted against maxFailures 0)'), ok('c')]),
    ).to.equal('rxjobs: no job failed; 1 failure tolerated, 1 failure ignored:');
    expect(heading([after('a', 'cancelled (parent)'), after('b'), ok('c')])).to.equal(
      'rxjobs: no job failed; 1 job not run after a tolerated failure, 1 job cancelled with a tolerated failure:',
    );
    expect(heading([failed('a'), ok('b')])).to.equal('rxjobs: 1 of 2 jobs failed:');
    expect(heading([failed('a')])).to.equal('rxjobs: 1 of 1 job failed:');
    // --json's summary counts the same things
    const out: string[] = [];
    new JsonStream((t) => out.push(t), 'job').summary(
      [failed('a'), tolerated('b'), tolerated('c'), after('d'), ok('e')],
      1,
      false,
    );
    expect(JSON.parse(out.join('').trim().split('\n').at(-1) ?? '')).to.deep.include({
      total: 5,
      succeeded: 4,
      failed: 1,
      tolerated: 2,
      notRunAfterTolerated: 1,
    });
  });

  it('folds the members of a group that failed the same way on their own hosts, and the jobs not run after them', () => {
    const member = (host: string): UnitResult => ({
      label: `p@${host}`,
      ok: true,
      status: 'failed (tolerated)',
      detail: `${host}: command "test -e /x" failed (exit 1)`,
      tolerated: { status: 'exit 1', note: 'tolerated (maxFailures 2)' },
    });
    const after = (host: string): UnitResult => ({
      label: `after@${host}`,
      ok: true,
      status: 'skipped',
      detail: `not run: p@${host} did not succeed`,
      tolerated: { status: 'skipped', note: `p@${host} failed, tolerated` },
    });
    expect(
      failureSummary('rxjobs', 'jobs', [
        member('127.0.0.3'),
        member('127.0.0.9'),
        after('127.0.0.3'),
        after('127.0.0.9'),
        { label: 'p@127.0.0.30', ok: true, status: 'exit 0' },
      ]).split('\n'),
    ).to.deep.equal([
      'rxjobs: no job failed; 2 failures tolerated, 2 jobs not run after them:',
      '  p@127.0.0.[3,9]      exit 1   command "test -e /x" failed (exit 1)  tolerated (maxFailures 2)',
      '  after@127.0.0.[3,9]  skipped  p@<host> failed, tolerated',
      '',
    ]);
  });
});
