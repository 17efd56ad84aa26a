// The end of a run record: its outcome by one rule whoever records it, its `why` for people, and a resumed
// run's `resumedFrom` and `counts.restored`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import { lastValueFrom, of, throwError } from 'rxjs';

import {
  GroupJob,
  Job,
  LocalNode,
  NodeGroup,
  readRun,
  recordRun,
  resumePlan,
  Scheduler,
} from '../../lib/index.js';
import type { RunJson } from '../../lib/index.js';
import { whyForPeople } from '../../lib/core/run/why.js';

const runJson = (dir: string): RunJson =>
  JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunJson;

describe('record: the outcome, the why and the resume of a run record', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'rxjobs-record-end-'));
  });
  afterEach(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  const ok = (label: string, requires?: Job) => new Job(() => of(label), { label, requires });
  const fails = (label: string, critical = false) =>
    new Job(() => throwError(() => new Error(`${label} broke`)), { label, critical });

  it('records a run whose failures a budget tolerated as a success, saying so without the fine: tag', async () => {
    const nodes = ['n1', 'n2', 'n3'].map((label) => new LocalNode({ label }));
    try {
      const group = new GroupJob(NodeGroup.of(nodes), (n) => (n.label === 'n2' ? ['exit 1'] : ['true']), {
        label: 'g',
        maxFailures: 1,
      });
      const dir = path.join(tmp, 'tolerated');
      expect(await new Scheduler([group], { label: 'top' }).orchestrate({ record: dir })).to.equal(true);
      const run = runJson(dir);
      expect(run).to.include({ outcome: 'success', why: 'every job completed' });
      expect(run.counts).to.include({ done: 3, tolerated: 1, failed: 0 });
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });

  it('forgives the failed job inside a nested scheduler whose own failure its parent tolerated', async () => {
    const inner = new Scheduler([fails('deep', true)], { label: 'inner' });
    const outer = new Scheduler([inner, ok('other')], { label: 'outer', maxFailures: 1 });
    const dir = path.join(tmp, 'nested');
    await new Scheduler([outer], { label: 'top' }).orchestrate({ record: dir });
    expect(runJson(dir)).to.include({ outcome: 'success' });
  });

  it('records a job that failed, not critical, as a failure of the run: 2 jobs failed (not critical)', async () => {
    const dir = path.join(tmp, 'failed');
    const top = new Scheduler([fails('a'), fails('b'), ok('c')], { label: 'top', critical: false });
    // the scheduler itself ends fine: it went on
    expect(await top.orchestrate({ record: dir })).to.equal(true);
    expect(top.why()).to.equal('fine: every job completed (2 failed, not critical)');
    const run = runJson(dir);
    expect(run).to.include({ outcome: 'failure', why: '2 jobs failed (not critical)' });
    const record = await readRun(dir);
    expect(record.events.at(-1)).to.include({ type: 'end', outcome: 'failure', ok: false });
  });

  it('writes why() for people: no fine: tag, the failures first, other notes kept', () => {
    expect(whyForPeople('fine: every job completed', 0)).to.equal('every job completed');
    expect(whyForPeople('fine: every job completed (1 skipped)', 0)).to.equal(
      'every job completed (1 skipped)',
    );
    expect(whyForPeople('fine: every job completed (2 failed, not critical; 1 skipped)', 2)).to.equal(
      '2 jobs failed (not critical); 1 skipped',
    );
    expect(whyForPeople('fine: every job completed (1 failed, not critical)', 1, 'host')).to.equal(
      '1 host failed',
    );
    expect(whyForPeople('timed out after 5 ms', 1)).to.equal('timed out after 5 ms');
  });

  it('records a resumed run: resumedFrom (given the ResumePlan as restore), restored apart from done', async () => {
    let broken = true;
    const build = () => {
      const a = ok('a');
      const b = new Job(() => (broken ? throwError(() => new Error('no')) : of('b')), {
        label: 'b',
        requires: a,
      });
      const c = ok('c', b);
      return new Scheduler([a, b, c], { label: 'top' });
    };
    const first = path.join(tmp, 'first');
    await build().orchestrate({ record: first });
    broken = false;
    const again = build();
    const plan = resumePlan(again, await readRun(first));
    const second = path.join(tmp, 'second');
    expect(await again.orchestrate({ restore: plan, record: second })).to.equal(true);
    const run = runJson(second);
    expect(run.resumedFrom).to.equal(path.resolve(first));
    expect(run.counts).to.deep.include({ total: 3, restored: 1, done: 2, failed: 0 });
    expect(run).to.include({ outcome: 'success' });
    // run() takes it too, and recordRun() is told it
    const third = path.join(tmp, 'third');
    const more = build();
    const plan3 = resumePlan(more, await readRun(second));
    await lastValueFrom(more.run({ restore: plan3, record: third }));
    expect(runJson(third)).to.deep.include({ resumedFrom: path.resolve(second) });
    expect(runJson(third).counts).to.include({ restored: 3, done: 0 });
    const fourth = path.join(tmp, 'fourth');
    const last = build();
    const plan4 = resumePlan(last, await readRun(third));
    await lastValueFrom(
      last.run({ restore: plan4.restore }).pipe(recordRun(last, fourth, { resumedFrom: plan4.from })),
    );
    expect(runJson(fourth).resumedFrom).to.equal(path.resolve(third));
    // the map alone: restored jobs are counted, the run resumed is not known
    const fifth = path.join(tmp, 'fifth');
    const plain = build();
    await plain.orchestrate({ restore: resumePlan(plain, await readRun(first)).restore, record: fifth });
    expect(runJson(fifth)).not.to.have.property('resumedFrom');
    expect(runJson(fifth).counts).to.include({ restored: 1, done: 2 });
  });
});
