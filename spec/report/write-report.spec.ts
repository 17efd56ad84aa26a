import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { expect } from 'chai';

import { escapeHtml } from '../../lib/report/html.js';
import { buildModel } from '../../lib/report/model.js';
import { readOutput } from '../../lib/report/outputs.js';
import { loadRun } from '../../lib/report/load-run.js';
import { writeReport } from '../../lib/report/write-report.js';
import { fakeRun, recordedRun, sampleRun } from '../helpers/run-dir.js';

describe('writeReport', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxjobs-report-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes DIR/report.html, atomically (no temporary file left), self-contained', async () => {
    const run = await sampleRun().write(join(dir, 'run'));
    const file = await writeReport(run);
    expect(file).to.equal(join(run, 'report.html'));
    expect((await readdir(run)).filter((f) => f.startsWith('.'))).to.deep.equal([]);
    const html = await readFile(file, 'utf8');
    expect(html).to.match(/^<!DOCTYPE html>/);
    expect(html).to.include(`Content-Security-Policy" content="default-src 'none'`);
    expect(html).not.to.match(/<script|<link|<img|<iframe|@import|url\(/i);
    // the only absolute URL is the SVG namespace; links go to the run's outputs, relatively
    expect(html.match(/https?:\/\/[^"]*/g) ?? []).to.satisfy((urls: string[]) =>
      urls.every((u) => u === 'http://www.w3.org/2000/svg'),
    );
  });

  it('escapes every text from the journal: labels, hosts, commands, outputs, control characters', async () => {
    const html = await readFile(await writeReport(await sampleRun().write(join(dir, 'run'))), 'utf8');
    expect(html).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).to.include('&lt;b&gt;evil&lt;/b&gt;');
    expect(html).to.include('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).to.include('&lt;script&gt;alert(3)&lt;/script&gt;');
    expect(html).to.include('␛[31mred␛[0m');
    expect(html).not.to.include('<b>evil');
    expect(escapeHtml(`a&b<c>"d'\u0000\u007f`)).to.equal('a&amp;b&lt;c&gt;&quot;d&#39;␀␡');
  });

  it('shows a long output by its first and last 200 lines, linked; bytes that are not UTF-8 as U+FFFD', async () => {
    const html = await readFile(await writeReport(await sampleRun().write(join(dir, 'run'))), 'utf8');
    expect(html)
      .to.include('line 1\n')
      .and.include('line 200\n')
      .and.include('line 801\n')
      .and.include('line 1000\n');
    expect(html).not.to.include('line 500\n');
    expect(html).to.include('… 600 lines, 5.4 kB left out: <a href="outputs/verbose.out">');
    expect(html).to.include(
      'cut by lines and bytes: the first and last 200 lines, at most 64 KiB at each end',
    );
    expect(html).to.include('<a href="outputs/verbose.out">');
    expect(html).to.include('bad\uFFFD\uFFFD').and.include('not UTF-8');
  });

  it('-o elsewhere: the output links are relative to the report', async () => {
    const run = await sampleRun().write(join(dir, 'runs', 'run'));
    await mkdir(join(dir, 'elsewhere'));
    const file = await writeReport(run, { output: join(dir, 'elsewhere', 'r.html') });
    const html = await readFile(file, 'utf8');
    const href = /<a href="([^"]*verbose\.out)">/.exec(html)?.[1];
    expect(href).to.equal('../runs/run/outputs/verbose.out');
    expect(resolve(dirname(file), decodeURIComponent(href ?? ''))).to.equal(
      join(run, 'outputs', 'verbose.out'),
    );
  });

  it('a key with a slash links to its percent-encoded file name', async () => {
    const run = await sampleRun().write(join(dir, 'run'));
    const html = await readFile(await writeReport(run), 'utf8');
    expect(html).to.include(
      '<a href="outputs/measure%20%252F%20measure%40fit03.err">outputs/measure %2F measure@fit03.err</a>',
    );
    await readFile(join(run, 'outputs', 'measure %2F measure@fit03.err')); // exists
  });

  it('an interrupted run with a cut last line: the report says both', async () => {
    const run = fakeRun()
      .job('a', { node: 'localhost', commands: ['true'], at: [0, 100] })
      .job('b', { requires: ['a'], commands: ['sleep 9'], at: [150, 150], end: { type: 'running' } });
    run.tail = '{"ts":"2026-12-07T15:00:00.300Z","ty';
    const html = await readFile(await writeReport(await run.write(join(dir, 'run'))), 'utf8');
    expect(html).to.include('id="outcome">interrupted<');
    expect(html).to.include('recorded no end');
    expect(html).to.include('events.jsonl: the last line is cut short (ignored)');
    expect(html).to.include('Still running when the run stopped');
  });

  it('a missing journal or plan still gives a report that says so', async () => {
    const run = await sampleRun().write(join(dir, 'run'), { events: false });
    let html = await readFile(await writeReport(run), 'utf8');
    expect(html).to.include('events.jsonl: missing');
    await rm(join(run, 'plan.json'));
    await writeFile(join(run, 'events.jsonl'), 'not json\n{"type":"started","key":"x"}\n');
    html = await readFile(await writeReport(run), 'utf8');
    expect(html)
      .to.include('plan.json: missing')
      .and.include('1 line(s) are not JSON records (the first: line 1)');
  });

  it('refuses a directory that is not a run directory, or none', async () => {
    await writeReport(dir).then(
      () => expect.fail('no error'),
      (e: unknown) => {
        expect(String(e)).to.include('is not a run directory').and.include('run.json');
      },
    );
    await writeReport(join(dir, 'nope')).then(
      () => expect.fail('no error'),
      (e: unknown) => {
        expect(String(e)).to.include('does not exist');
      },
    );
  });
});

describe('the report model', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxjobs-report-model-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads states, folds the group, counts leaf jobs, marks the critical path and the slowest host', async () => {
    const model = buildModel(await loadRun(await sampleRun().write(dir)));
    const state = Object.fromEntries(model.jobs.map((j) => [j.plan.key, j.state]));
    expect(state).to.include({
      setup: 'done',
      measure: 'failed',
      'measure / measure@fit03': 'failed',
      collect: 'skipped',
      verbose: 'done',
    });
    expect(model.units.map((u) => u.plan.key)).to.deep.equal([
      'setup',
      'measure',
      'collect',
      '<script>alert(1)</script>',
      'verbose',
    ]);
    expect(model.counts).to.include({ total: 8, done: 6, failed: 1, skipped: 1 });
    const critical = model.jobs.filter((j) => j.critical).map((j) => j.plan.key);
    expect(critical).to.deep.equal(['setup', 'measure', 'measure / measure@fit02']);
    expect(model.outcome).to.equal('failure');
    expect(model.end - model.start).to.equal(9100);
  });
});

describe('readOutput', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxjobs-report-output-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads only the ends of a big file, cut at line ends', async () => {
    const path = join(dir, 'big.out');
    const line = 'x'.repeat(99);
    await writeFile(
      path,
      Array.from({ length: 100_000 }, (_, i) => `${String(i)} ${line}`).join('\n') + '\n',
    );
    const excerpt = await readOutput(path);
    expect(excerpt?.head.split('\n')[0]).to.equal(`0 ${line}`);
    expect(excerpt?.head.split('\n')).to.have.length(201); // 200 lines and the empty string after the last \n
    expect(excerpt?.tail?.trimEnd().split('\n').at(-1)).to.equal(`99999 ${line}`);
    expect(excerpt?.tail?.trimEnd().split('\n')).to.have.length(200);
    expect(excerpt?.notUtf8).to.equal(false);
  });

  it('shows a short output whole, and no file as undefined', async () => {
    await writeFile(join(dir, 'short.out'), 'a\nb');
    expect(await readOutput(join(dir, 'short.out'))).to.deep.equal({
      size: 3,
      head: 'a\nb',
      notUtf8: false,
      limits: { lines: 200, bytes: 65536 },
    });
    expect(await readOutput(join(dir, 'none.out'))).to.equal(undefined);
  });
});

describe('writeReport on a run recorded by the library', function () {
  this.timeout(20_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxjobs-report-recorded-'));
    expect(await recordedRun(join(dir, 'run'))).to.equal(true);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('shows LocalNode jobs, the group per host, the failure, the tolerated member and the skip', async () => {
    const run = join(dir, 'run');
    const model = buildModel(await loadRun(run));
    expect(model.loaded.problems).to.deep.equal([]);
    const state = Object.fromEntries(model.jobs.map((j) => [j.plan.key, j.state]));
    expect(state).to.deep.equal({
      setup: 'done',
      'measure n[1-4]': 'done',
      collect: 'done',
      bad: 'failed',
      'after-bad': 'skipped',
      'measure n[1-4] / measure@n1': 'done',
      'measure n[1-4] / measure@n2': 'done',
      'measure n[1-4] / measure@n3': 'tolerated',
      'measure n[1-4] / measure@n4': 'done',
    });
    expect(model.jobs.filter((j) => j.critical).map((j) => j.plan.key)).to.deep.equal([
      'setup',
      'measure n[1-4]',
      'collect',
      'measure n[1-4] / measure@n2',
    ]);
    const html = await readFile(await writeReport(run), 'utf8');
    expect(html.match(/<rect class="bar/g)).to.have.length(8);
    expect([...html.matchAll(/data-host="([^"]*)"/g)].map((m) => m[1])).to.have.members([
      'n1',
      'n2',
      'n3',
      'n4',
    ]);
    const failures = html.slice(
      html.indexOf('id="failures"'),
      html.indexOf('</table>', html.indexOf('id="failures"')),
    );
    expect(failures).to.include('>bad<').and.include('exit 5').and.not.include('measure@n3');
    const tolerated = html.slice(
      html.indexOf('<h2>Tolerated (1)</h2>'),
      html.indexOf('</table>', html.indexOf('id="tolerated"')),
    );
    expect(tolerated).to.include('measure@n3').and.include('exit 3');
    expect(html).to.include('&lt;script&gt;alert(1)&lt;/script&gt;').and.not.include('<script>');
    expect(html).to.include('\uFFFD\uFFFD bad bytes');
    expect(html).to.include('href="outputs/measure_n%5B1-4%5D--measure%40n3-c950a7daea51.err"');
  });
});

describe('the report of a matrix', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxjobs-report-matrix-'));
    const job = (key: string, kind: string, parent?: string, node?: string): object => ({
      key,
      label: key.split(' / ').at(-1),
      kind,
      ...(parent === undefined ? {} : { parent }),
      ...(node === undefined ? {} : { node }),
      requires: [],
      critical: true,
      forever: false,
      fingerprint: '0',
    });
    const plan = [
      job('m', 'matrix'),
      ...[0, 1].flatMap((i) => [
        job(`m / m[${String(i)}]`, 'scheduler', 'm'),
        job(`m / m[${String(i)}] / m[${String(i)}].t`, 'job', `m / m[${String(i)}]`, 'here'),
      ]),
    ];
    const ts = (ms: number): string => new Date(Date.UTC(2026, 11, 7) + ms).toISOString();
    const error = { name: 'CommandFailedError', code: 'command-failed', message: 'exit 1' };
    const events = [
      { ts: ts(0), type: 'started', key: 'm / m[0] / m[0].t' },
      { ts: ts(0), type: 'started', key: 'm / m[1] / m[1].t' },
      { ts: ts(10), type: 'done', key: 'm / m[0] / m[0].t' },
      { ts: ts(20), type: 'failed', key: 'm / m[1] / m[1].t', critical: true, error },
      { ts: ts(20), type: 'failed', key: 'm / m[1]', critical: false, tolerated: true, error },
      { ts: ts(30), type: 'end', outcome: 'success', ok: true, why: 'fine' },
    ];
    await writeFile(join(dir, 'plan.json'), JSON.stringify({ jobs: plan }));
    await writeFile(join(dir, 'events.jsonl'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    await writeFile(
      join(dir, 'run.json'),
      JSON.stringify({ format: 'rxjobs-run/1', started: ts(0), ended: ts(30) }),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("counts an instance's failed job as tolerated when its instance was, and names rows by label and host", async () => {
    const model = buildModel(await loadRun(dir));
    expect(model.jobs.find((j) => j.plan.key === 'm / m[1] / m[1].t')?.state).to.equal('tolerated');
    expect(model.counts).to.include({ total: 2, done: 1, failed: 0, tolerated: 1 });
    expect(model.units.map((u) => u.plan.key)).to.deep.equal(['m']);
    const html = await readFile(await writeReport(dir), 'utf8');
    expect(html).to.include('>  m[1].t · here</text>').and.include('data-host="here"');
    expect(html.match(/<rect class="bar/g)).to.have.length(2);
  });
});
