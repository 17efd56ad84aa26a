// What `--resume` says: groups and matrices folded, rxssh's hosts folded, "nothing to run" alone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import { GroupJob, LocalNode, NodeGroup, readRun, resumePlan, Scheduler, SshJob } from '../../lib/index.js';
import type { ResumePlan } from '../../lib/index.js';
import { cutNote, resumeText } from '../../lib/cli/resume-cli.js';
import type { RunRecord } from '../../lib/record/types.js';

/**
 * `setup` (its command given), a group `measure` of three that requires it (n2 fails while `broken` exists),
 * `collect` that requires the group.
 */
function experiment(nodes: readonly LocalNode[], setupCommand: string, broken: string) {
  const setup = new SshJob(nodes[0] as LocalNode, setupCommand, { label: 'setup' });
  const measure = new GroupJob(
    NodeGroup.of(nodes),
    (node) => (node.label === 'n2' ? [`test ! -e ${broken}`] : ['true']),
    { label: 'measure', requires: setup, maxFailures: 1 },
  );
  const collect = new SshJob(nodes[0] as LocalNode, 'true', { label: 'collect', requires: measure });
  return new Scheduler([setup, measure, collect], { label: 'exp' });
}

/** A plan of rxssh's shape: one top-level job per host. */
const hostsPlan = (rerun: ResumePlan['rerun'], restored: string[] = []): ResumePlan => ({
  from: '/rec/rxssh/T',
  restore: new Map(),
  restored,
  rerun,
  captures: [],
});

describe('resumeText: what --resume says', () => {
  let tmp: string;
  let nodes: LocalNode[];
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'rxjobs-resume-text-'));
    nodes = ['n1', 'n2', 'n3'].map((label) => new LocalNode({ label }));
  });
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    rmSync(tmp, { recursive: true, force: true });
  });
  const broken = (): string => path.join(tmp, 'broken');

  it("folds a group's members into one line with the group's reason, said once", async () => {
    const dir = path.join(tmp, 'run');
    await experiment(nodes, 'true', broken()).orchestrate({ record: dir });
    const plan = resumePlan(experiment(nodes, 'echo changed', broken()), await readRun(dir));
    expect(resumeText('rxjobs', plan)).to.equal(
      `rxjobs: resuming ${dir}: 0 jobs done there, not run again; 5 jobs to run:\n` +
        '  setup  changed: commands\n' +
        '  measure n[1-3] ×3  requires "setup", which runs again\n' +
        '  collect  requires "measure n[1-3]", which runs again\n',
    );
    // the reason of a member alone names the group, without nested parentheses
    const member = plan.rerun.find((r) => r.key === 'measure n[1-3] / measure@n2');
    expect(member?.why).to.equal('"measure n[1-3]" requires "setup", which runs again');
  });

  it('names a single member that runs again', async () => {
    const dir = path.join(tmp, 'run');
    writeFileSync(broken(), '');
    await experiment(nodes, 'true', broken()).orchestrate({ record: dir });
    rmSync(broken());
    const plan = resumePlan(experiment(nodes, 'true', broken()), await readRun(dir));
    expect(resumeText('rxjobs', plan)).to.equal(
      `rxjobs: resuming ${dir}: 3 jobs done there, not run again; 2 jobs to run:\n` +
        '  measure n[1-3] / measure@n2  failed\n' +
        '  collect  requires "measure n[1-3]", which runs again\n',
    );
  });

  it("folds rxssh's hosts that run again for the same reason into one line", () => {
    const hosts = Array.from(
      { length: 200 },
      (_, i) => `10.0.${String(Math.floor(i / 100))}.${String(i % 100)}`,
    );
    const text = resumeText(
      'rxssh',
      hostsPlan([
        ...hosts.map((key) => ({ key, why: 'changed: commands' })),
        { key: 'fit07', why: 'failed' },
      ]),
    );
    expect(text).to.equal(
      'rxssh: resuming /rec/rxssh/T: 0 hosts done there, not run again; 201 hosts to run:\n' +
        '  10.0.0.[0-99],10.0.1.[0-99]  changed: commands\n' +
        '  fit07  failed\n',
    );
  });

  it('says only "nothing to run" when nothing is to run: no count, no dangling colon', () => {
    expect(resumeText('rxssh', hostsPlan([], ['a', 'b']))).to.equal(
      'rxssh: every host succeeded in /rec/rxssh/T: nothing to run\n',
    );
  });

  it('says what of the resumed record a full disk cut: the journal always, the outputs when something runs', () => {
    const cut = { reason: 'no space left on device', at: '2026-12-07T10:00:00.000Z' };
    const recordOf = (recordIncomplete: object): RunRecord =>
      ({ run: { recordIncomplete } }) as unknown as RunRecord;
    const some = hostsPlan([{ key: 'fit07', why: 'failed' }]);
    const none = hostsPlan([], ['a']);
    expect(cutNote('rxssh', recordOf({ events: { ...cut, file: 'events.jsonl' } }), none)).to.equal(
      'rxssh: its journal was cut at 2026-12-07T10:00:00.000Z (no space left on device): what ended after that runs again\n',
    );
    const outputs = recordOf({ outputs: { ...cut, file: 'outputs/a.out' } });
    expect(cutNote('rxssh', outputs, some)).to.equal(
      'rxssh: its outputs were cut at 2026-12-07T10:00:00.000Z (no space left on device); its journal is whole\n',
    );
    expect(cutNote('rxssh', outputs, none)).to.equal('');
    expect(cutNote('rxssh', recordOf(undefined as never), some)).to.equal('');
  });
});
