import { expect } from 'chai';
import { of } from 'rxjs';

import { planOf } from '../../lib/record/plan.js';
import { Job, LocalNode, Scheduler, SshJob } from '../../lib/index.js';

describe('record/plan', () => {
  const node = new LocalNode({ label: 'here' });
  const build = (command: string, critical?: boolean) => {
    const a = new SshJob(node, command, { label: 'a', ...(critical === undefined ? {} : { critical }) });
    const b = new Job(() => of(1), { label: 'b', requires: a, runIf: 'always' });
    return new Scheduler([a, b]);
  };

  it('gives the same fingerprint to the same job, another when its definition changes', () => {
    const [a1, b1] = planOf(build('echo 1')).jobs;
    const [a2, b2] = planOf(build('echo 1')).jobs;
    const [a3] = planOf(build('echo 2')).jobs;
    const [a4] = planOf(build('echo 1', false)).jobs;
    expect(a1?.fingerprint).to.equal(a2?.fingerprint);
    expect(b1?.fingerprint).to.equal(b2?.fingerprint);
    expect(a3?.fingerprint).not.to.equal(a1?.fingerprint);
    expect(a4?.fingerprint).not.to.equal(a1?.fingerprint);
  });

  it('says what each job is: node, commands, effective critical, runIf', () => {
    const { jobs } = planOf(build('echo 1'));
    expect(jobs[0]).to.include({ key: 'a', kind: 'job', node: 'here', critical: true, forever: false });
    expect(jobs[0]?.commands).to.deep.equal(['echo 1']);
    expect(jobs[1]).to.include({ key: 'b', critical: false, runIf: 'always' });
    expect(jobs[1]).not.to.have.property('node');
    // a failure budget makes the members not critical, as the run's plan does
    const budget = new Scheduler([new SshJob(node, 'true', { label: 'c' })], { maxFailures: 1 });
    expect(planOf(budget).jobs[0]?.critical).to.equal(false);
  });

  it("keys top-level jobs by the names given (a scenario's ids), repeats with #n", () => {
    const x = new Job(() => of(1), { label: 'same' });
    const y = new Job(() => of(1), { label: 'same' });
    const z = new Job(() => of(1), { label: 'same' });
    const { jobs, keys } = planOf(new Scheduler([x, y, z]), { names: new Map([[z, 'zid']]) });
    expect(jobs.map((j) => j.key)).to.deep.equal(['same', 'same#2', 'zid']);
    expect(keys.get(y)).to.equal('same#2');
  });
});
