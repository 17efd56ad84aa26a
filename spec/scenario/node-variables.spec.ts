import { expect } from 'chai';

import type { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import { buildScenario } from '../../lib/scenario/build.js';
import type { LoadedScenario } from '../../lib/scenario/load.js';
import { loaded, problems } from '../helpers/scenario-text.js';

const ssh = (l: LoadedScenario, id: string): SshNode => buildScenario(l).nodes.get(id) as SshNode;

describe('{{name}} in the fields of node entries', () => {
  it('fills hostname, username, keys, label and gateway from the file and the node, the node winning', () => {
    const l = loaded(`
variables: {domain: example.org, user: root, gw: gateway, keydir: prepare}
nodes:
  - {id: gateway, hostname: 'gw.{{domain}}', username: '{{user}}', label: '{{node}} at {{hostname}}'}
  - id: fit01
    hostname: '{{node}}.{{domain}}'
    username: '{{user}}'
    gateway: '{{gw}}'
    keys: ['{{keydir}}.sh']
    label: '{{username}}@{{hostname}}'
    variables: {domain: lab.local, user: admin}
jobs:
  - {id: j, node: fit01, label: 'on {{hostname}} as {{username}}', commands: ['echo {{hostname}}']}
`);
    const [gateway, fit] = l.spec.nodes;
    expect(gateway).to.deep.include({
      hostname: 'gw.example.org',
      username: 'root',
      label: 'gateway at gw.example.org',
    });
    expect(fit).to.deep.include({
      hostname: 'fit01.lab.local',
      username: 'admin',
      gateway: 'gateway',
      keys: ['prepare.sh'],
      label: 'admin@fit01.lab.local',
    });
    const built = buildScenario(l);
    const node = built.nodes.get('fit01') as SshNode;
    expect(node.hostname).to.equal('fit01.lab.local');
    expect(node.gateway?.hostname).to.equal('gw.example.org');
    expect(built.jobs.get('j')?.label).to.equal('on fit01.lab.local as admin');
  });

  it('fills the fields of nodes given as a map, and of nodes sharing an anchor, each with its own values', () => {
    const l = loaded(`
variables: {domain: d}
nodes:
  a: &node {hostname: '{{node}}.{{domain}}', label: 'n-{{node}}'}
  b: {<<: *node, variables: {domain: e}}
jobs: [{id: j, node: a, commands: ['true']}]
`);
    expect(ssh(l, 'a').hostname).to.equal('a.d');
    expect(ssh(l, 'b').hostname).to.equal('b.e');
    expect(l.spec.nodes.map((n) => n.label)).to.deep.equal(['n-a', 'n-b']);
  });

  it('reports a name that no variable gives, naming the node and the field, with a "did you mean", once', () => {
    expect(
      problems(`
variables: {gwname: gw.example.org}
nodes:
  - {id: gw, hostname: '{{gwnme}}'}
  - {id: n, hostname: n, gateway: '{{gateway}}', keys: ['{{keydir}}/id']}
jobs:
  - {id: j, node: gw, label: 'on {{hots}}', commands: ['true']}
`),
    ).to.deep.equal([
      'test.yaml:4:24: nodes[0].hostname: {{gwnme}} in hostname of node "gw" is not defined: no variable ' +
        "(global, the node's, or node, hostname, username) gives it (did you mean {{gwname}}?): define it " +
        'under variables, or on the command line with rxjobs run --var gwnme=VALUE',
      'test.yaml:5:35: nodes[1].gateway: {{gateway}} in gateway of node "n" is not defined: no variable ' +
        "(global, the node's, or node, hostname, username) gives it: define it under variables, or on the " +
        'command line with rxjobs run --var gateway=VALUE',
      'test.yaml:5:57: nodes[1].keys[0]: {{keydir}} in keys of node "n" is not defined: no variable ' +
        "(global, the node's, or node, hostname, username) gives it: define it under variables, or on the " +
        'command line with rxjobs run --var keydir=VALUE',
      'test.yaml:7:30: jobs[0].label: {{hots}} in label of job "j" is not defined: no variable ' +
        "(global, the node's, or node, hostname, username) gives it: define it under variables, or on the " +
        'command line with rxjobs run --var hots=VALUE',
    ]);
  });

  it('refuses {{hostname}} and {{username}} in the fields that give them, without recursion', () => {
    expect(
      problems(`
nodes:
  - {id: a, hostname: 'x-{{hostname}}', username: '{{hostname}}'}
  - {id: b, hostname: b, label: '{{username}}'}
jobs: [{id: j, node: a, commands: ['true']}]
`),
    ).to.deep.equal([
      'test.yaml:3:23: nodes[0].hostname: {{hostname}} cannot be used in hostname of node "a": hostname and ' +
        'username are what give {{hostname}} and {{username}}',
      'test.yaml:3:51: nodes[0].username: {{hostname}} cannot be used in username of node "a": hostname and ' +
        'username are what give {{hostname}} and {{username}}',
      'test.yaml:4:33: nodes[1].label: {{username}} in label of node "b" has no value yet: the node has no ' +
        'username of its own (a default one is known only when the nodes are built); set username on the node',
    ]);
  });

  it('reports a name once, in the field that holds it, not again in the fields and jobs using {{hostname}}', () => {
    expect(
      problems(`
nodes: [{id: n, hostname: '{{target}}', label: 'on {{hostname}}'}]
jobs: [{id: j, node: n, label: 'j on {{hostname}}', commands: ['echo {{hostname}}']}]
`),
    ).to.have.members([
      'test.yaml:2:27: nodes[0].hostname: {{target}} in hostname of node "n" is not defined: no variable ' +
        "(global, the node's, or node, hostname, username) gives it: define it under variables, or on the " +
        'command line with rxjobs run --var target=VALUE',
    ]);
  });

  it('checks the substituted value: a hostname that becomes empty is not a host name', () => {
    expect(
      problems(
        `variables: {h: ''}\nnodes: [{id: a, hostname: '{{h}}'}]\njobs: [{id: j, node: a, commands: ['true']}]\n`,
      ),
    ).to.deep.equal([
      'test.yaml:2:27: nodes[0].hostname: expected a host name (or local: true for this machine)',
    ]);
  });
});

describe('the variables option of parseScenario (rxjobs run --var)', () => {
  const TEXT = `
variables: {gw: wrong.example.org, who: file}
nodes:
  - {id: gw, hostname: '{{gw}}'}
  - {id: n, hostname: '{{target}}', gateway: gw}
  - {id: own, hostname: '{{gw}}', variables: {gw: own.example.org}}
jobs:
  - {id: j, node: n, commands: ['echo {{who}}']}
`;

  it('overrides the file’s global variables and adds new ones, before the nodes, the jobs and the checks', () => {
    const l = loaded(TEXT, { variables: { gw: 'gw.example.org', target: 'n.example.org' } });
    expect(ssh(l, 'gw').hostname).to.equal('gw.example.org');
    expect(ssh(l, 'n').hostname).to.equal('n.example.org');
    // a node's own variable still wins over a global one, whoever set it
    expect(ssh(l, 'own').hostname).to.equal('own.example.org');
    expect(l.spec.variables).to.deep.equal({ gw: 'gw.example.org', who: 'file', target: 'n.example.org' });
    const built = buildScenario(l);
    expect(built.jobs.get('j')?.commands.map((c) => c.label)).to.deep.equal(['echo file']);
  });

  it('without it, the variable the file lacks is a check error', () => {
    expect(problems(TEXT)).to.have.length(1);
    expect(problems(TEXT)[0]).to.match(/^test\.yaml:5:23: nodes\[1\]\.hostname: \{\{target\}\} in hostname/);
  });
});
