// Where a scenario's captures go (as Ansible's register): a plain job's are global, a group member's its
// own, a matrix instance's its own; and what the check before the run says of a name captured elsewhere.
import { expect } from 'chai';

import { Variables } from '../../lib/commands/variables.js';
import { buildScenario } from '../../lib/scenario/build.js';
import type { SshJob } from '../../lib/ssh-job/ssh-job.js';
import { loaded, problems } from '../helpers/scenario-text.js';

describe('scenario captures, by scope', () => {
  it('Variables with a parent read its values, and keep their own', () => {
    const global = new Variables([['g', 'G']]);
    const member = new Variables([], global);
    member.set('ip', '10.0.0.7');
    expect(member.expand('{{g}} {{ip}} {{none}}')).to.equal('G 10.0.0.7 {{none}}');
    expect([member.has('g'), global.has('ip'), global.get('ip'), [...member.keys()]]).to.deep.equal([
      true,
      false,
      undefined,
      ['ip'],
    ]);
  });

  it('give each matrix instance its own capture, whatever the order its jobs end in', async () => {
    const scenario = loaded(`
nodes: [{ id: here, local: true }]
jobs:
  - { id: g, node: here, commands: [{ type: Run, command: 'echo global', capture: top }] }
  - id: m
    requires: g
    matrix: { x: [1, 2, 3] }
    jobs:
      - { id: p, node: here, commands: [{ type: Run, command: 'sleep 0.{{x}}; echo val{{x}}', capture: v }] }
      - { id: q, node: here, requires: p, commands: ['echo {{x}} sees {{v}} and {{top}}'] }
`);
    const built = buildScenario(scenario);
    expect(await built.scheduler.orchestrate()).to.equal(true);
    // what each instance's q reads, once every instance ended
    const said = [1, 2, 3].map((x) =>
      (built.jobs.get(`m[${String(x)}].q`) as SshJob).variables.expand(
        `{{x}} ${String(x)} sees {{v}} and {{top}}`,
      ),
    );
    expect(said).to.deep.equal([
      '{{x}} 1 sees val1 and global',
      '{{x}} 2 sees val2 and global',
      '{{x}} 3 sees val3 and global',
    ]);
    // the instances' values stay theirs: the global variables hold the plain job's capture only
    expect([...built.variables]).to.deep.equal([['top', 'global']]);
  });

  it('give the members of a group one scope each, shared by every job on that member, over the global one', () => {
    const built = buildScenario(
      loaded(`
nodes:
  - { id: here, local: true }
  - { id: fits, hostname: 'fit[01-02]' }
jobs:
  - { id: prepare, node: fits, commands: [{ type: Run, command: hostname, capture: ip }] }
  - { id: collect, node: fits, requires: prepare, commands: ['echo {{ip}}'] }
  - id: pairs
    matrix: { s: fits }
    jobs: [{ id: send, node: s, commands: ['echo {{ip}}'] }]
`),
    );
    const vars = (key: string) => (built.jobs.get(key) as SshJob).variables;
    vars('prepare@fit01').set('ip', 'one');
    vars('prepare@fit02').set('ip', 'two');
    expect(vars('collect@fit01').get('ip')).to.equal('one');
    expect(vars('collect@fit02').get('ip')).to.equal('two');
    // a job of a matrix instance on a member reads that member's captures
    expect(vars('pairs[fit02].send').get('ip')).to.equal('two');
    expect(built.variables.get('ip')).to.equal(undefined);
  });

  it('report a name captured only on a group, or in a matrix, used where it is not seen', () => {
    expect(
      problems(`
nodes:
  - { id: here, local: true }
  - { id: fits, hostname: 'fit[01-03]' }
jobs:
  - { id: prepare, node: fits, commands: [{ type: Run, command: 'hostname -I', capture: ip }] }
  - { id: collect, node: fits, requires: prepare, commands: ['echo {{ip}}'] }
  - { id: top, node: here, requires: prepare, commands: ['echo {{ip}}', 'echo {{v}}'] }
  - id: m
    matrix: { s: fits, x: [1, 2] }
    jobs:
      - { id: p, node: s, commands: ['echo {{ip}}', { type: Run, command: 'echo v', capture: v }] }
      - { id: q, node: here, commands: ['echo {{v}} {{ip}}'] }
`),
    ).to.deep.equal([
      'test.yaml:8:58: jobs[2].commands[0]: {{ip}} is captured only by the jobs of group "fits", where each ' +
        'member (host) has its own value: job "top" on node "here" does not see it; use it in a job on group ' +
        '"fits", or capture it in a job on one node (a value every job sees)',
      'test.yaml:8:73: jobs[2].commands[1]: {{v}} is captured only by the jobs of matrix "m", where each ' +
        'instance has its own value: job "top" on node "here" does not see it; use it in a job of that ' +
        'matrix, or capture it in a job on one node (a value every job sees)',
      'test.yaml:13:41: jobs[3].jobs[1].commands[0]: {{ip}} is captured only by the jobs of group "fits", ' +
        'where each member (host) has its own value: job "q" on node "here" does not see it; use it in a job ' +
        'on group "fits", or capture it in a job on one node (a value every job sees)',
    ]);
  });
});
