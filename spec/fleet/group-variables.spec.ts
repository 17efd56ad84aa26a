// GroupJob's `variables` as a function of each node: each member its own scope, as Ansible's register.
import { expect } from 'chai';

import { GroupJob, LocalNode, NodeGroup, Run, Scheduler, SshJob, Variables } from '../../lib/index.js';
import { thrown } from '../helpers/errors.js';

describe('GroupJob variables per member', () => {
  let nodes: LocalNode[];
  beforeEach(() => {
    nodes = [1, 2, 3].map((i) => new LocalNode({ label: `n${String(i)}` }));
  });
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.close()));
  });

  it("gives each member's capture to that member's later jobs, the shared values read by all", async () => {
    const shared = new Variables([['greeting', 'hi']]);
    const scopes = new Map(nodes.map((n) => [n, new Variables([], shared)]));
    const options = { variables: (node: unknown) => scopes.get(node as LocalNode) ?? shared };
    const prepare = new GroupJob(
      NodeGroup.of(nodes),
      (node) => [new Run(`echo ${node.label}`, { capture: 'me' })],
      { label: 'prepare', ...options },
    );
    const collect = new GroupJob(
      NodeGroup.of(nodes),
      [new Run('echo {{greeting}} {{me}}', { capture: 'said' })],
      {
        label: 'collect',
        requires: prepare,
        ...options,
      },
    );
    expect(await new Scheduler([prepare, collect]).orchestrate()).to.equal(true);
    expect(nodes.map((n) => (collect.member(n) as SshJob).variables.get('said'))).to.deep.equal([
      'hi n1',
      'hi n2',
      'hi n3',
    ]);
    expect(shared.has('me')).to.equal(false);
  });

  it('names the member whose variables function threw', () => {
    const error = thrown(
      () =>
        new GroupJob(NodeGroup.of(nodes), 'true', {
          label: 'p',
          variables: (node) => {
            if (node.label === 'n2') throw new Error('no scope');
            return new Variables();
          },
        }),
    );
    expect((error as Error).message).to.include('variables(n2) threw: no scope');
  });
});
