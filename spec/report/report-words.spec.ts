// What the report says (review #5, #6, #13): a resumed run and its restored jobs, the header's sentence, an
// interrupted run, runs of independent hosts, cut outputs, cancellations, tolerated failures, the title, a
// missing plan.json. The rendering of the same in a browser: report-browser.spec.ts.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import { buildModel } from '../../lib/report/model.js';
import { loadRun } from '../../lib/report/load-run.js';
import { writeReport } from '../../lib/report/write-report.js';
import { fakeRun } from '../helpers/run-dir.js';
import type { FakeRun } from '../helpers/run-dir.js';

/** The text of the element of id `id` in `html` (tags left out). */
const textOf = (html: string, id: string): string => {
  const at = html.indexOf(`id="${id}"`);
  if (at < 0) return '';
  const tag = html.lastIndexOf('<', at);
  const name = /^<(\w+)/.exec(html.slice(tag))?.[1] ?? '';
  const end = html.indexOf(`</${name}>`, at);
  return html
    .slice(tag, end)
    .replace(/<[^>]*>/g, '')
    .replace(/&amp;/g, '&');
};

describe('the report says', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxjobs-report-words-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const report = async (run: FakeRun, name = 'run'): Promise<string> =>
    readFile(await writeReport(await run.write(join(dir, name))), 'utf8');

  /** A run where a ran and b failed, then its resume: a restored, b and c run. */
  const resumed = async (): Promise<string> => {
    const earlier = await fakeRun()
      .job('a', { node: 'here', commands: ['echo a'], at: [0, 100], stdout: 'a ran\n' })
      .job('b', {
        node: 'here',
        requires: ['a'],
        at: [100, 200],
        end: { type: 'failed', code: 1, message: 'x' },
      })
      .end(200, 'failure')
      .write(join(dir, 'earlier'));
    const run = fakeRun()
      .job('a', { node: 'here', commands: ['echo a'], end: { type: 'restored', ts: 1 } })
      .job('b', { node: 'here', requires: ['a'], at: [2, 100] })
      .job('c', { node: 'here', requires: ['b'], at: [100, 150] })
      .end(160, 'success');
    run.runFields = { resumedFrom: earlier, counts: { restored: 1 } };
    return report(run);
  };

  it('a resumed run: where from, how many restored and run; restored jobs in their own state, linked', async () => {
    const html = await resumed();
    expect(textOf(html, 'resumed')).to.equal(
      'Resumed from ../earlier: 1 job restored (done there, not run again), 2 run',
    );
    expect(html).to.include('<a href="../earlier">../earlier</a>');
    expect(html).to.match(/<li><b>1<\/b> restored<\/li>/);
    expect(html).to.include('<span class="st">restored (done in the run resumed)</span>');
    expect(html).not.to.match(/a · <span class="st">done<\/span>/);
    // its output, from the run it was restored from
    expect(html).to.include('restored from <a href="../earlier">../earlier</a>: its output there');
    expect(html).to.include('<a href="../earlier/outputs/a.out">').and.include('a ran');
    expect(html).to.match(/<rect class="bar" data-j="0"[^>]*fill="url\(#timeline-hatch\)"/);
    expect(html).to.match(/fill="url\(#graph-hatch\)"/);
  });

  it('a resumed run: the timeline keeps the plan order, a restored job first', async () => {
    const html = await resumed();
    const rows = [...html.matchAll(/<rect class="bar[^"]*" data-j="(\d+)"/g)].map((m) => m[1]);
    expect(rows).to.deep.equal(['0', '1', '2']);
  });

  it('the header: a sentence of its own under a failure badge, never "fine:"', async () => {
    const run = fakeRun()
      .job('a', { at: [0, 10] })
      .job('b', { at: [0, 20], critical: false, end: { type: 'failed', code: 1, message: 'x' } })
      .job('c', { at: [0, 20], critical: false, end: { type: 'failed', code: 1, message: 'y' } })
      .end(30, 'failure', 'fine: every job completed (2 failed, not critical)');
    const html = await report(run);
    expect(html).not.to.include('fine:');
    expect(textOf(html, 'headline')).to.equal('2 jobs failed (not critical)');
    const critical = fakeRun()
      .job('a', { at: [0, 10], end: { type: 'failed', code: 1, message: 'x' } })
      .job('b', { end: { type: 'cancelled', reason: 'critical', ts: 11 } })
      .end(12, 'failure', 'critical job "a" failed: x');
    expect(textOf(await report(critical, 'critical'), 'headline')).to.equal(
      'a failed (critical); the run stopped: 1 cancelled',
    );
    const fine = fakeRun()
      .job('a', { at: [0, 10] })
      .end(12, 'success', 'fine: every job completed');
    expect(textOf(await report(fine, 'fine'), 'headline')).to.equal('every job succeeded');
  });

  it('a tolerated failure in a successful run: under "Tolerated (1)", not "Failures"', async () => {
    const run = fakeRun()
      .job('a', { at: [0, 10] })
      .job('b', {
        commands: ['x'],
        at: [0, 10],
        end: { type: 'failed', code: 2, message: 'x', tolerated: true },
      })
      .end(12, 'success');
    const html = await report(run);
    expect(html).to.include('<h2>Tolerated (1)</h2>').and.not.include('Failures (');
    expect(textOf(html, 'tolerated')).to.include('b').and.include('exit 2');
    expect(textOf(html, 'headline')).to.equal('no job failed; 1 failure tolerated');
  });

  it('an interrupted run: running jobs counted as such, "at least" its duration, its process alive or gone', async () => {
    const run = fakeRun()
      .job('a', { at: [0, 1100] })
      .job('b', { commands: ['sleep 9'], at: [100, 100], end: { type: 'running' } })
      .job('c', { requires: ['a', 'b'] });
    run.runFields = { pid: process.pid };
    let html = await report(run);
    expect(html).to.match(/<li><b>1<\/b> running when the run stopped<\/li><li><b>1<\/b> not run<\/li>/);
    expect(html).to.include('at least 1.1 s (the journal stops there)');
    expect(textOf(html, 'problems')).to.include(
      `The run recorded no end, and its process (pid ${String(process.pid)}) is still alive on this machine`,
    );
    const child = spawn('true');
    const gone = await new Promise<number>((resolve) =>
      child.on('exit', () => {
        resolve(child.pid ?? 0);
      }),
    );
    run.runFields = { pid: gone };
    html = await report(run, 'gone');
    expect(textOf(html, 'problems')).to.include(
      `The run was interrupted: it recorded no end, and its process (pid ${String(gone)}) is gone (a crash or a kill).`,
    );
    expect(html).not.to.include('or it is still running');
  });

  it('a run of independent hosts (rxssh): hosts, no dependency graph, no critical path', async () => {
    const run = fakeRun();
    for (const host of ['h1', 'h2', 'h3'])
      run.job(host, {
        node: host,
        critical: false,
        at: [0, 10],
        ...(host === 'h2' ? { end: { type: 'failed', code: 7, message: 'x' } } : {}),
      });
    run.end(12, 'failure').runFields = { program: 'rxssh', command: 'uptime', scenario: undefined };
    const html = await report(run);
    expect(html).to.match(/<li><b>3<\/b> hosts<\/li>/);
    expect(html).to.include('<h2>Hosts (3)</h2>').and.include('<th>host</th><th>error</th>');
    expect(textOf(html, 'headline')).to.equal('1 host failed');
    expect(html).not.to.include('id="graph"').and.not.include('critical path').and.not.include(' crit"');
  });

  it('a cut output: how many lines and bytes are left out, and that the cut is by lines and bytes', async () => {
    const lines = Array.from({ length: 1012 }, (_, i) => `line ${String(i + 1)}`).join('\n') + '\n';
    const html = await report(
      fakeRun()
        .job('a', { at: [0, 10], stdout: lines })
        .end(12, 'success'),
    );
    expect(html).to.include(
      'stdout: 9.0 kB (<a href="outputs/a.out">outputs/a.out</a>), cut by lines and bytes: the first and ' +
        'last 200 lines, at most 64 KiB at each end (a longer line is left out)',
    );
    expect(html).to.include('<p class="note cut">… 612 lines, 5.5 kB left out: <a href="outputs/a.out">');
    const big = Buffer.alloc(3 * 1024 * 1024, 'x\n');
    const cut = await report(
      fakeRun()
        .job('a', { at: [0, 10], stdout: big })
        .end(12, 'success'),
      'big',
    );
    expect(cut).to.include('<p class="note cut">… 3.1 MB left out: <a href="outputs/a.out">');
  });

  it('"cancelled: m[3,b] failed (critical)" on instances cancelled because a sibling failed', async () => {
    const m = { key: 'm', label: 'm', folded: true };
    const run = fakeRun().group('m', [], { at: () => ({}) });
    run
      .job('m[1,a]', { at: [0, 50], end: { type: 'cancelled', reason: 'critical', ts: 30 } }, m)
      .job('m[3,b]', { at: [0, 20], end: { type: 'failed', code: 1, message: 'x' } }, m)
      .job('m[2,a]', { end: { type: 'cancelled', reason: 'critical', ts: 30 } }, m)
      .end(40, 'failure');
    const model = buildModel(await loadRun(await run.write(join(dir, 'run'))));
    const note = (key: string): string | undefined => model.jobs.find((j) => j.plan.key === key)?.note;
    expect(note('m / m[2,a]')).to.equal('cancelled: m / m[3,b] failed (critical)');
  });

  it("the scheduler's label in the title, when it says more than the file name", async () => {
    const run = fakeRun()
      .job('a', { at: [0, 10] })
      .end(12, 'success');
    run.events[0] = { ts: 0, record: { ...run.events[0]?.record, scheduler: 'three-stage' } };
    const html = await report(run);
    expect(html).to.include('<title>rxjobs report: three-stage (demo.yaml)</title>');
  });

  it('a record cut (a full disk): a banner that says what and from when', async () => {
    const run = fakeRun()
      .job('a', { at: [0, 10] })
      .end(12, 'success');
    run.runFields = {
      recordIncomplete: {
        outputs: { reason: 'no space left on device', file: 'outputs/a.out', at: '2026-12-07T15:00:00.005Z' },
      },
    };
    expect(textOf(await report(run), 'problems')).to.equal(
      'The record is cut: its output files stop at 2026-12-07T15:00:00.005Z (outputs/a.out: no space left on device).',
    );
  });

  it('plan.json missing: the jobs from events.jsonl, and a banner that says so', async () => {
    const run = fakeRun()
      .job('a', { node: 'here', commands: ['true'], at: [0, 10] })
      .group('g', ['h1', 'h2'], { at: (_, i) => ({ at: [10, 20 + i] }) })
      .end(30, 'success');
    const model = buildModel(await loadRun(await run.write(join(dir, 'run'), { plan: false })));
    expect(model.jobs.map((j) => [j.plan.key, j.state])).to.deep.equal([
      ['a', 'done'],
      ['g', 'done'],
      ['g / g@h1', 'done'],
      ['g / g@h2', 'done'],
    ]);
    expect(model.units.map((u) => u.plan.key)).to.deep.equal(['a', 'g']);
    expect(model.loaded.problems).to.deep.equal([
      'plan.json: missing',
      'the jobs below are taken from events.jsonl, without plan.json: no requirements, commands or jobs that never started',
    ]);
    const html = await readFile(await writeReport(join(dir, 'run')), 'utf8');
    expect(html).to.include('<h2>Jobs (4)</h2>');
  });
});
