import path from 'node:path';

import { expect } from 'chai';

import type { Run } from '../../lib/commands/run.js';
import { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import { GroupJob } from '../../lib/fleet/group-job.js';
import { buildScenario } from '../../lib/scenario/build.js';
import { loaded, problems } from '../helpers/scenario-text.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');

const commandLine = (job: { commands: readonly unknown[] } | undefined): string =>
  (job?.commands[0] as Run).describe();

const GROUPS = `
variables: {domain: lab.org}
nodes:
  - {id: gw, hostname: 'gw.{{domain}}'}
  - {id: fits, hostname: 'fit[01-03].{{domain}}', username: root, port: 2222, gateway: gw, variables: {iface: eth1}}
  - {id: some, hostname: ['fit03.{{domain}}', 'fit[01-02].{{domain}}', fit09.lab.org], username: root, port: 2222, gateway: gw}
  - {id: other, hostname: 'fit01.{{domain}}', username: admin, port: 2222, gateway: gw}
jobs:
  - {id: load, node: gw, commands: ['load {{domain}}']}
  - id: prepare
    node: fits
    requires: load
    maxFailures: 34%
    memberTimeout: 1.5
    commands: ['init {{hostname}} {{node}} {{index}} {{group}} {{username}} {{iface}}']
  - {id: after, node: some, requires: prepare, commands: ['echo {{hostname}}']}
`;

describe('groups in scenario files', () => {
  it('decode a range or a list of host names as a group, {{name}} replaced before expansion', () => {
    const l = loaded(GROUPS);
    const [, fits, some, other] = l.spec.nodes;
    expect(fits).to.include({ hostname: 'fit[01-03].lab.org' });
    expect(fits).to.have.deep.property('hosts', ['fit01.lab.org', 'fit02.lab.org', 'fit03.lab.org']);
    expect(some).to.have.deep.property('hosts', [
      'fit03.lab.org',
      'fit01.lab.org',
      'fit02.lab.org',
      'fit09.lab.org',
    ]);
    expect(other).not.to.have.property('hosts');
  });

  it('read commas in a hostname as host-range lists do: fit[1-3],fit[2-4] is four hosts', () => {
    const l =
      loaded(`nodes: [{ id: g, hostname: 'fit[1-3],fit[2-4]', username: root }, { id: two, hostname: 'a,b' }]
jobs: [{ id: p, node: g, commands: [hostname] }]
`);
    expect(l.spec.nodes[0]).to.have.deep.property('hosts', ['fit1', 'fit2', 'fit3', 'fit4']);
    expect(l.spec.nodes[1]).to.have.deep.property('hosts', ['a', 'b']);
  });

  it('refuse a file that makes more than 1,000,000 jobs, before building any', () => {
    const jobs = Array.from(
      { length: 11 },
      (_, i) => `  - { id: j${String(i)}, node: g, commands: [hostname] }`,
    );
    const text = `nodes: [{ id: g, hostname: 'h[1-99999]' }]\njobs:\n${jobs.join('\n')}\n`;
    expect(problems(text)).to.deep.equal([
      'test.yaml:2:1: jobs: the file makes 1099989 jobs (members of groups and instances of matrices counted), ' +
        'more than the 1000000 allowed: split it into several scenarios',
    ]);
  });

  it('build one SshJob per member, keyed prepare@host, each with its own values of the built-ins', () => {
    const built = buildScenario(loaded(GROUPS));
    expect([...built.jobs.keys()]).to.deep.equal([
      'load',
      'prepare@fit01.lab.org',
      'prepare@fit02.lab.org',
      'prepare@fit03.lab.org',
      'after@fit03.lab.org',
      'after@fit01.lab.org',
      'after@fit02.lab.org',
      'after@fit09.lab.org',
    ]);
    expect(commandLine(built.jobs.get('prepare@fit02.lab.org'))).to.equal(
      'init fit02.lab.org fits[fit02.lab.org] 1 fits root eth1',
    );
    expect(built.jobs.get('prepare@fit02.lab.org')?.label).to.equal('prepare@fit02.lab.org');
    expect(commandLine(built.jobs.get('after@fit09.lab.org'))).to.equal('echo fit09.lab.org');
  });

  it('build each member node once per user, host, port and gateway: groups sharing hosts share nodes', () => {
    const built = buildScenario(loaded(GROUPS));
    const node = (id: string) => built.nodes.get(id);
    expect(node('fits[fit01.lab.org]')).to.be.instanceOf(SshNode);
    expect(node('fits[fit01.lab.org]')).to.equal(node('some[fit01.lab.org]'));
    expect(node('fits[fit03.lab.org]')).to.equal(node('some[fit03.lab.org]'));
    expect(node('other')).not.to.equal(node('fits[fit01.lab.org]')); // another user
    const member = node('fits[fit02.lab.org]') as SshNode;
    expect(member.options).to.include({ hostname: 'fit02.lab.org', username: 'root', port: 2222 });
    expect(member.options.gateway).to.equal(node('gw'));
    expect(member.label).to.equal('fit02.lab.org');
    expect(new Set(built.nodes.values()).size).to.equal(1 + 4 + 1);
    expect(built.jobs.get('prepare@fit01.lab.org')?.node).to.equal(
      built.jobs.get('after@fit01.lab.org')?.node,
    );
  });

  it('gather the members in one job that requires its requirements and that requires waits for', () => {
    const built = buildScenario(loaded(GROUPS));
    const prepare = built.groups.get('prepare');
    const after = built.groups.get('after');
    expect(prepare).to.be.instanceOf(GroupJob);
    expect(prepare?.fold).to.equal(true);
    expect((prepare as GroupJob).member('fit02.lab.org')).to.equal(built.jobs.get('prepare@fit02.lab.org'));
    expect(prepare?.label).to.equal('prepare fit[01-03].lab.org');
    expect(prepare?.jobs.size).to.equal(3);
    expect(prepare?.maxFailures).to.equal('34%');
    expect(built.jobs.get('prepare@fit03.lab.org')?.timeout).to.equal(1500);
    expect(built.jobs.get('after@fit03.lab.org')?.timeout).to.equal(undefined);
    expect([...(prepare?.requirements ?? [])]).to.deep.equal([built.jobs.get('load')]);
    expect([...(after?.requirements ?? [])]).to.deep.equal([prepare]);
    expect([...built.scheduler.jobs]).to.deep.equal([built.jobs.get('load'), prepare, after]);
  });

  it('report a bad range, a group as a gateway, a label on a group and local with a range, each at its line', () => {
    expect(
      problems(`
nodes:
  - {id: a, hostname: 'fit[3-1]'}
  - {id: b, hostname: [fit01, 'x[1-]']}
  - {id: c, hostname: 'n[1-2]', label: x}
  - {id: d, hostname: one, gateway: c}
  - {id: e, local: true, hostname: 'n[1-3]'}
jobs:
  - {id: j, node: d, commands: [hostname]}
`),
    ).to.deep.equal([
      'test.yaml:3:23: nodes[0].hostname: fit[3-1]: range 3-1 is descending: write fit[1-3]',
      'test.yaml:4:31: nodes[1].hostname[1]: x[1-]: "1-" in [1-] is neither a number nor a range of numbers ' +
        'like 1-3 (or 1-9/2, every other one)',
      'test.yaml:5:33: nodes[2].label: not allowed on a group: each member is labelled by its host name',
      'test.yaml:6:37: nodes[3].gateway: a gateway is one node: "c" is a group of 2',
      'test.yaml:7:26: nodes[4].hostname: not allowed with local: a node is local or has a hostname',
    ]);
  });

  it('report the keys of group jobs on a job on one node, one-failed without requires, and bad values', () => {
    expect(
      problems(`
nodes:
  - {id: one, hostname: h}
  - {id: many, hostname: 'h[1-3]'}
jobs:
  - {id: a, node: one, maxFailures: 1, memberTimeout: 3, commands: [x]}
  - {id: b, node: many, runIf: one-failed, commands: [x]}
  - {id: c, node: many, maxFailures: 101%, retries: {count: -1}, commands: [x]}
  - {id: d, node: many, maxFailures: 2, jobsWindow: 2, ignoreUnreachable: true, skipFailedMembers: false, requires: c, runIf: one-failed, retries: {count: 2, delay: 1.5}, commands: [x]}
`),
    ).to.deep.equal([
      'test.yaml:6:24: jobs[0].maxFailures: only for a job on a group: "one" is one node',
      'test.yaml:6:40: jobs[0].memberTimeout: only for a job on a group: "one" is one node',
      'test.yaml:7:32: jobs[1].runIf: one-failed runs only after a failed requirement: give this job requires',
      "test.yaml:8:38: jobs[2].maxFailures: expected a count (a whole number, 0 or more) or a percentage ('10%', from 0% to 100%)",
      'test.yaml:8:61: jobs[2].retries.count: expected a whole number from 0 to 1000',
    ]);
  });

  it('report a {{name}} left in a group hostname, naming the field', () => {
    expect(
      problems(`
nodes:
  - {id: g, hostname: ['fit01', 'fit[{{range}}]']}
jobs:
  - {id: j, node: g, commands: [x]}
`),
    ).to.deep.equal([
      'test.yaml:3:33: nodes[0].hostname[1]: {{range}} in hostname of node "g" is not defined: no variable ' +
        "(global, the node's, or node, hostname, username) gives it: define it under variables, or on the " +
        'command line with rxjobs run --var range=VALUE',
    ]);
    const l = loaded(
      `
nodes:
  - {id: g, hostname: ['fit01', 'fit[{{range}}]']}
jobs:
  - {id: j, node: g, commands: [x]}
`,
      { variables: { range: '05-06' } },
    );
    expect(l.spec.nodes[0]).to.have.deep.property('hosts', ['fit01', 'fit05', 'fit06']);
  });

  it('refuse {{hostname}} in the other fields of a group entry, which are the same for every member', () => {
    expect(
      problems(`
nodes:
  - {id: g, hostname: 'n[1-2]', username: 'u-{{hostname}}', keys: ['{{hostname}}.key', '{{node}}.key']}
jobs:
  - {id: j, node: g, commands: [x]}
`),
    ).to.deep.equal([
      'test.yaml:3:43: nodes[0].username: {{hostname}} cannot be used in username of node "g": hostname and ' +
        'username are what give {{hostname}} and {{username}}',
      'test.yaml:3:68: nodes[0].keys[0]: {{hostname}} cannot be used in keys of group "g": its members have a ' +
        'host name each, and the fields of the entry are the same for all',
      'test.yaml:3:88: nodes[0].keys[1]: file not found: ' + path.join(fixtures, 'g.key'),
    ]);
  });
});
