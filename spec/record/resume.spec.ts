import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import {
  GroupJob,
  LocalNode,
  NodeGroup,
  readRun,
  RecordError,
  resumePlan,
  Run,
  Scheduler,
  SshJob,
  SshNode,
} from '../../lib/index.js';
import type { Job } from '../../lib/index.js';
import type { JournalRecord, RunJson, RunRecord } from '../../lib/index.js';
import { planOf } from '../../lib/record/plan.js';
import { thrown } from '../helpers/errors.js';

/**
 * A small experiment on local nodes: `setup`, then `measure` on a group of three (n2 fails while the file
 * `broken` exists), then `collect`, which requires the group; and `side`, which requires nothing.
 */
function experiment(nodes: readonly LocalNode[], broken: string, setupCommand = 'true') {
  const setup = new SshJob(nodes[0] as LocalNode, setupCommand, { label: 'setup' });
  const side = new SshJob(nodes[0] as LocalNode, 'echo side', { label: 'side', critical: false });
  const measure = new GroupJob(
    NodeGroup.of(nodes),
    (node) => (node.label === 'n2' ? [`test ! -e ${broken}`] : ['true']),
    { label: 'measure', requires: setup, maxFailures: 1 },
  );
  const collect = new SshJob(nodes[0] as LocalNode, 'true', { label: 'collect', requires: measure });
  return new Scheduler([setup, side, measure, collect], { label: 'exp' });
}

describe('resumePlan: what a resumed run runs again', () => {
  let tmp: string;
  let nodes: LocalNode[];
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'rxjobs-resume-'));
    nodes = ['n1', 'n2', 'n3'].map((label) => new LocalNode({ label }));
  });
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A run recorded, with n2 failing or not; `broken` is removed after it (n2 would now succeed). */
  const recorded = async (n2fails: boolean): Promise<string> => {
    const dir = path.join(tmp, `run-${String(n2fails)}`);
    if (n2fails) writeFileSync(broken(), '');
    await experiment(nodes, broken()).orchestrate({ record: dir });
    rmSync(broken(), { force: true });
    return dir;
  };
  const broken = (): string => path.join(tmp, 'broken');

  it('restores what succeeded; runs again the failed member, its group and what requires the group', async () => {
    const record = await readRun(await recorded(true));
    const plan = resumePlan(experiment(nodes, broken()), record);
    expect(plan.restored).to.deep.equal([
      'setup',
      'side',
      'measure n[1-3] / measure@n1',
      'measure n[1-3] / measure@n3',
    ]);
    expect(plan.rerun).to.deep.equal([
      { key: 'measure n[1-3] / measure@n2', why: 'failed', group: 'measure n[1-3]' },
      { key: 'collect', why: 'requires "measure n[1-3]", which runs again' },
    ]);
  });

  it('runs only the jobs not restored, and the resumed run records them as restored', async () => {
    const first = await recorded(true);
    const again = experiment(nodes, broken());
    const plan = resumePlan(again, await readRun(first));
    const second = path.join(tmp, 'second');
    expect(await again.orchestrate({ restore: plan.restore, record: second })).to.equal(true);
    const events = (await readRun(second)).events;
    const started = events.filter((e) => e.type === 'started').map((e) => ('key' in e ? e.key : ''));
    expect(started.sort()).to.deep.equal(['collect', 'measure n[1-3]', 'measure n[1-3] / measure@n2']);
    const restoredDone = events.filter((e) => e.type === 'done' && 'restored' in e);
    expect(restoredDone.map((e) => ('key' in e ? e.key : '')).sort()).to.deep.equal(
      ['measure n[1-3] / measure@n1', 'measure n[1-3] / measure@n3', 'setup', 'side'].sort(),
    );
    // and a resume of the resumed run has nothing left to run
    const third = resumePlan(experiment(nodes, broken()), await readRun(second));
    expect(third.rerun).to.deep.equal([]);
  });

  it('restores SshJobs with their exit code: result(), outcome() and the listing say they were restored', async () => {
    const first = await recorded(true);
    const again = experiment(nodes, broken());
    const plan = resumePlan(again, await readRun(first));
    expect(await again.orchestrate({ restore: plan.restore })).to.equal(true);
    const setup = [...again.jobs].find((j) => j.label === 'setup') as Job;
    expect(setup.result()).to.equal(0);
    expect(setup.outcome()).to.include({ status: 'done', restored: true });
    const collect = [...again.jobs].find((j) => j.label === 'collect') as Job;
    expect(collect.outcome()).not.to.have.property('restored');
    const listing = again.list();
    expect(listing).to.match(/<SshJob `setup`> \[\[restored -> 0\]\]/);
    expect(listing).to.match(/<SshJob `collect`> \[\[ -> 0\]\]/);
    expect(listing).to.match(/<GroupJob `measure n\[1-3\]`> 3 done \(2 restored\)/);
    expect(listing).not.to.include('undefined');
  });

  it("keeps a restored SshJob's exit in the new record: a resume of the resume restores it with its exit code", async () => {
    const first = await recorded(true);
    const second = path.join(tmp, 'second');
    const again = experiment(nodes, broken());
    expect(
      await again.orchestrate({ restore: resumePlan(again, await readRun(first)).restore, record: second }),
    ).to.equal(true);
    const third = experiment(nodes, broken());
    expect(await third.orchestrate({ restore: resumePlan(third, await readRun(second)).restore })).to.equal(
      true,
    );
    const setup = [...third.jobs].find((j) => j.label === 'setup') as Job;
    expect(setup.result()).to.equal(0);
    expect(third.list()).to.match(/<SshJob `setup`> \[\[restored -> 0\]\]/);
  });

  it('runs again a job whose definition changed, and everything that waits for it, saying what changed', async () => {
    const record = await readRun(await recorded(false));
    const plan = resumePlan(experiment(nodes, broken(), 'echo changed'), record);
    expect(plan.restored).to.deep.equal(['side']);
    expect(plan.rerun[0]).to.deep.equal({ key: 'setup', why: 'changed: commands' });
    expect(plan.rerun.map((r) => r.key)).to.include.members(['collect', 'measure n[1-3] / measure@n1']);
    expect(plan.rerun.find((r) => r.key === 'measure n[1-3] / measure@n1')?.why).to.equal(
      '"measure n[1-3]" requires "setup", which runs again',
    );
    expect(plan.rerun.find((r) => r.key === 'measure n[1-3] / measure@n1')).to.deep.include({
      group: 'measure n[1-3]',
      via: { key: 'measure n[1-3]', why: 'requires "setup", which runs again' },
    });
  });

  it('refuses a record that shares no job with the scheduler, naming its directory', async () => {
    const record = await readRun(await recorded(false));
    const other = new Scheduler([new SshJob(nodes[0] as LocalNode, 'true', { label: 'unrelated' })]);
    const error = thrown(() => resumePlan(other, record));
    expect(error).to.be.instanceOf(RecordError);
    expect((error as Error).message)
      .to.contain(record.dir)
      .and.to.match(/none of its 7 jobs/);
  });

  /** A record of `scheduler` in which every job ended done (built, not run: nothing connects). */
  const allDone = (scheduler: Scheduler): RunRecord => {
    const { jobs } = planOf(scheduler);
    const events = jobs.map((p) => ({ ts: '', type: 'done', job: p.label, scheduler: '', key: p.key }));
    return {
      dir: '/runs/x',
      run: {
        format: 'rxjobs-run/1',
        program: 'library',
        started: '',
        cwd: '/',
        pid: 1,
      } as unknown as RunJson,
      plan: jobs,
      events: events as unknown as JournalRecord[],
      interrupted: false,
      outputsOf: () => ({}),
    };
  };

  it('runs again a job whose node is reached elsewhere (same label), or whose capture changed its name', () => {
    const on = (hostname: string, capture: string) =>
      new Scheduler([
        new SshJob(new SshNode({ hostname, label: 'n', username: 'u' }), [new Run('date', { capture })], {
          label: 'a',
        }),
      ]);
    const record = allDone(on('h1', 'cv'));
    expect(resumePlan(on('h1', 'cv'), record).rerun).to.deep.equal([]);
    expect(resumePlan(on('h2', 'cv'), record).rerun).to.deep.equal([{ key: 'a', why: 'changed: address' }]);
    expect(resumePlan(on('h1', 'cv2'), record).rerun).to.deep.equal([{ key: 'a', why: 'changed: commands' }]);
  });

  it('keeps the members of a group whose label changed with its hosts (one host left out)', () => {
    const group = (hosts: string) =>
      new Scheduler([
        new GroupJob(NodeGroup.fromHosts(hosts, { username: 'u' }), ['true'], { label: 'prepare' }),
      ]);
    // rxjobs run keys the top-level jobs by the scenario's ids: the group's key is its id, not its label
    const named = (hosts: string) => {
      const s = group(hosts);
      return { s, names: new Map([[[...s.jobs][0] as Job, 'prepare']]) };
    };
    const before = named('h[1-3]');
    const after = named('h[1-2]');
    const { jobs } = planOf(before.s, { names: before.names });
    const events = jobs.map((p) => ({ ts: '', type: 'done', job: p.label, scheduler: '', key: p.key }));
    const record = { ...allDone(before.s), plan: jobs, events: events as unknown as JournalRecord[] };
    const kept = resumePlan(
      after.s,
      { ...record, plan: jobs, events: events as unknown as JournalRecord[] },
      { names: after.names },
    );
    expect(kept.rerun).to.deep.equal([]);
    expect(kept.restored).to.deep.equal(['prepare / prepare@h1', 'prepare / prepare@h2']);
  });
});
