import { expect } from 'chai';

import { ConfigError, LocalNode, NodeGroup, SshNode } from '../../lib/index.js';
import { thrown } from '../helpers/errors.js';

/** The message of the ConfigError that `f` throws. */
const configError = (f: () => unknown): string => {
  const e = thrown(f);
  expect(e).to.be.instanceOf(ConfigError);
  return (e as ConfigError).message;
};

describe('NodeGroup', () => {
  it('expands ranges, steps and comma lists into one SshNode per host, in order, each host once', () => {
    const group = NodeGroup.fromHosts(['fit[01-03],fit07', 'n[1-9/4]', 'fit02'], { username: 'root' });
    expect(group.hostnames()).to.deep.equal(['fit01', 'fit02', 'fit03', 'fit07', 'n1', 'n5', 'n9']);
    expect(group.size).to.equal(7);
    expect(group.label).to.equal('fit[01-03,07],n[1,5,9]');
    expect(group.nodes.every((n) => n instanceof SshNode && n.username === 'root')).to.equal(true);
    expect([...group].map((n) => n.hostname)).to.deep.equal(group.hostnames());
    expect(String(group)).to.equal('NodeGroup fit[01-03,07],n[1,5,9] (7 nodes)');
  });

  it('makes one gateway node for the whole group from a string, and reads user@host:port forms', () => {
    const group = NodeGroup.fromHosts('root@fit[01-02]:2222', { gateway: 'me@faraday', label: 'fits' });
    const [a, b] = group.nodes.filter((n): n is SshNode => n instanceof SshNode);
    expect(group.label).to.equal('fits');
    expect(a?.gateway).to.be.instanceOf(SshNode);
    expect(a?.gateway).to.equal(b?.gateway);
    expect(a?.gateway?.toString()).to.equal('me@faraday');
    expect(a?.toString()).to.equal('me@faraday -> root@fit01:2222');
    expect(group.hostnames()).to.deep.equal(['fit01', 'fit02']);
  });

  it('names members by their labels, and finds a node by name', () => {
    const nodes = [new LocalNode({ label: 'n1' }), new LocalNode({ label: 'n2' })];
    const group = NodeGroup.of(nodes);
    expect(group.label).to.equal('n[1-2]');
    expect(group.node('n2')).to.equal(nodes[1]);
    expect(group.nameOf(nodes[0] as LocalNode)).to.equal('n1');
    expect(group.nameOf(new LocalNode({ label: 'n1' }))).to.equal(undefined);
    expect(NodeGroup.of(nodes, { label: 'locals' }).label).to.equal('locals');
  });

  it('refuses bad input from plain JavaScript with errors naming the field', () => {
    expect(configError(() => NodeGroup.of([]))).to.equal('node group: nodes must hold at least one node');
    expect(configError(() => NodeGroup.fromHosts(['a[1-60000]', 'b[1-60000]', 'c[1-60000]']))).to.equal(
      'node group: hosts[1] would make the group more than the 100000 hosts allowed: split it',
    );
    expect(configError(() => NodeGroup.of([new LocalNode(), new LocalNode()]))).to.match(
      /^node group: nodes\[1\] is named "localhost" like nodes\[0\]: give each node a label of its own$/,
    );
    expect(configError(() => NodeGroup.of(['fit01'] as never))).to.match(
      /nodes\[0\] must be a node \(an SshNode, a LocalNode\), got string "fit01"/,
    );
    expect(configError(() => NodeGroup.of('fit01' as never))).to.match(/nodes must be a list of nodes/);
    expect(configError(() => NodeGroup.fromHosts('fit[3-1]'))).to.match(/^node group: hosts .*fit\[3-1\]/);
    expect(configError(() => NodeGroup.fromHosts(['fit01', 7] as never))).to.match(
      /^node group: hosts\[1\] must be a host name or range, got number 7$/,
    );
    expect(configError(() => NodeGroup.fromHosts(' , '))).to.match(/hosts must name at least one host/);
    expect(configError(() => NodeGroup.fromHosts('n[1-200000]'))).to.match(/more than the 100000 allowed/);
    expect(configError(() => NodeGroup.fromHosts('fit01', { label: '' }))).to.match(
      /label must be a non-empty/,
    );
    expect(configError(() => NodeGroup.fromHosts('fit01', { prot: 22 } as never))).to.match(/prot/);
  });

  it('closes the nodes and the gateway it made, and leaves those it was given to their owner', async () => {
    const group = NodeGroup.fromHosts('fit[01-02]', { gateway: 'gw' });
    await group.close();
    const node = new LocalNode({ label: 'n1' });
    let closed = 0;
    const close = node.close.bind(node);
    node.close = () => {
      closed++;
      return close();
    };
    await NodeGroup.of([node]).close();
    expect(closed).to.equal(0);
  });
});
