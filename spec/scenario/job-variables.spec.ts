import { expect } from 'chai';

import { buildScenario } from '../../lib/scenario/build.js';
import { describeScenario } from '../../lib/scenario/describe.js';
import { loaded, problems } from '../helpers/scenario-text.js';

const LABELS = `variables: { target: other, stage: a }
nodes:
  - { id: fits, hostname: 'fit[01-02]', username: root }
  - { id: one, hostname: h1, username: root }
jobs:
  - { id: prep-a, node: one, commands: [echo a] }
  - { id: p, node: '{{target}}', label: 'prep {{hostname}} {{index}} {{stage}}', requires: ['prep-{{stage}}'], commands: [hostname] }
  - { id: q, node: fits, label: 'all {{group}} {{stage}}', requires: p, commands: [hostname] }
  - id: m
    label: 'mat {{stage}}'
    requires: 'prep-{{stage}}'
    matrix: { a: [x, y], s: fits }
    jobs:
      - { id: t, node: s, label: 'lab {{a}} {{hostname}} {{instance}}', commands: ['echo {{a}}'] }
      - { id: u, node: '{{s}}', requires: [t], commands: ['echo {{hostname}}'] }
`;

describe('{{name}} in the labels, node and requires of jobs on groups and in matrices', () => {
  it('label a job on a group per member with its built-ins, or as a whole with the group values', () => {
    const built = buildScenario(loaded(LABELS, { variables: { target: 'fits' } }));
    expect(built.jobs.get('p@fit01')?.label).to.equal('prep fit01 0 a');
    expect(built.jobs.get('p@fit02')?.label).to.equal('prep fit02 1 a');
    expect(built.groups.get('p')?.label).to.equal('p fit[01-02]');
    expect([...(built.groups.get('p')?.requirements ?? [])]).to.deep.equal([built.jobs.get('prep-a')]);
    expect(built.groups.get('q')?.label).to.equal('all fits a fit[01-02]');
    expect(built.jobs.get('q@fit02')?.label).to.equal('all fits a@fit02');
  });

  it("label a matrix block's job with its instance's axes, and the matrix with the file's variables", () => {
    const built = buildScenario(loaded(LABELS, { variables: { target: 'fits' } }));
    const m = built.groups.get('m');
    expect(m?.label).to.equal('mat a');
    expect([...(m?.requirements ?? [])]).to.deep.equal([built.jobs.get('prep-a')]);
    // a job of an instance is labelled after its matrix and instance (see MatrixJob)
    expect(built.jobs.get('m[y,fit02].t')?.label).to.equal('mat a[y,fit02].lab y fit02 y-fit02');
    expect(built.jobs.get('m[y,fit02].u')?.node).to.equal(built.jobs.get('p@fit02')?.node);
  });

  it('show the labels filled in by --dry-run, per member and instance when unfolded', () => {
    const text = describeScenario(loaded(LABELS, { variables: { target: 'fits' } }), { unfold: true });
    expect(text).to.include('p on fits ×2 [label "prep <hostname> <index> a", requires prep-a]');
    expect(text).to.include('    p@fit01 [label "prep fit01 0 a"]');
    expect(text).to.include('q on fits ×2 [label "all fits a", requires p');
    expect(text).to.include('[label "mat a", requires prep-a]');
    expect(text).to.include('t on fit02 [label "lab y fit02 y-fit02"]');
    expect(text).to.include('u on fit02 [requires t]');
    const folded = describeScenario(loaded(LABELS.replace('target: other', 'target: fits')));
    expect(folded).to.include('p on fits');
    expect(folded).to.include('t on s [label "lab <a> <hostname> <instance>"]');
  });

  it('report a {{name}} no variable gives in node, requires and labels, at its line, with the axes in scope', () => {
    const text = LABELS.replace("'{{target}}'", "'{{tagret}}'")
      .replace("['prep-{{stage}}']", "['prep-{{stag}}']")
      .replace("'mat {{stage}}'", "'mat {{a}}'")
      .replace("node: '{{s}}'", "node: '{{target2}}'")
      .replace('requires: [t]', "requires: ['{{a}}']");
    expect(problems(text)).to.deep.equal([
      'test.yaml:7:20: jobs[1].node: {{tagret}} in node of job "p" is not defined: no variable of the file ' +
        'gives it (did you mean {{target}}?): define it under variables, or on the command line with rxjobs run ' +
        '--var tagret=VALUE',
      'test.yaml:7:93: jobs[1].requires[0]: {{stag}} in requires of job "p" is not defined: no variable of the ' +
        'file gives it (did you mean {{stage}}?): define it under variables, or on the command line with rxjobs ' +
        'run --var stag=VALUE',
      'test.yaml:10:12: jobs[3].label: {{a}} in label of job "m" is an axis of the matrix, which label cannot ' +
        "use: only the file's variables fill it",
      'test.yaml:15:24: jobs[3].jobs[1].node: {{target2}} in node of job "u" is not defined: no variable of the ' +
        "file gives it (the matrix's axes a, s and instance are not known in node) (did you mean {{target}}?): " +
        'define it under variables, or on the command line with rxjobs run --var target2=VALUE',
      'test.yaml:15:50: jobs[3].jobs[1].requires[0]: {{a}} in requires of job "u" is an axis of the matrix, ' +
        "which requires cannot use: only the file's variables fill it",
    ]);
    const label = LABELS.replace("'lab {{a}} {{hostname}} {{instance}}'", "'lab {{b}}'");
    expect(problems(label, { variables: { target: 'fits' } })).to.deep.equal([
      'test.yaml:14:34: jobs[3].jobs[0].label: {{b}} in label of job "t" is not defined: no variable (global, ' +
        "the node's, the matrix's axes a, s and instance, or node, hostname, username) gives it: define it " +
        'under variables, or on the command line with rxjobs run --var b=VALUE',
    ]);
  });

  it('refuse the built-ins of members and instances as file and node variables, as hostname is', () => {
    const text = `variables: { index: 5, group: g, instance: i, node: n, ok: 1 }
nodes: [{ id: fits, hostname: 'fit[1-2]', variables: { index: 1 } }]
jobs: [{ id: p, node: fits, commands: ['echo {{index}} {{group}}'] }]
`;
    const member = ' (each member of a group, or instance of a matrix, has its own)';
    expect(problems(text)).to.deep.equal([
      `test.yaml:1:14: variables.index: "index" is a built-in variable, which the scenario cannot set${member}`,
      `test.yaml:1:24: variables.group: "group" is a built-in variable, which the scenario cannot set${member}`,
      'test.yaml:1:34: variables.instance: "instance" is a built-in variable, which the scenario cannot ' +
        `set${member}`,
      'test.yaml:1:47: variables.node: "node" is a built-in variable, which the scenario cannot set',
      'test.yaml:2:56: nodes[0].variables.index: "index" is a built-in variable, which the scenario cannot ' +
        `set${member}`,
    ]);
  });

  it('refuse __proto__, constructor and prototype as axis names; a node named constructor is no axis', () => {
    const text = `nodes: [{ id: l, local: true }]
jobs:
  - { id: m, matrix: { __proto__: [1, 2], constructor: [3], prototype: [4], a: [5] }, jobs: [{ id: t, node: l, commands: [x] }] }
`;
    const own = 'is a name JavaScript objects keep for themselves; name the axis otherwise';
    expect(problems(text)).to.deep.equal(
      ['__proto__', 'constructor', 'prototype'].map(
        (name, i) =>
          `test.yaml:3:${String([24, 43, 61][i])}: jobs[0].matrix.${name}: not an axis name: "${name}" ${own}`,
      ),
    );
    const node = `nodes: [{ id: constructor, local: true }]
jobs: [{ id: m, matrix: { a: [x] }, jobs: [{ id: t, node: constructor, commands: ['echo {{a}}'] }] }]
`;
    expect(describeScenario(loaded(node), { unfold: true })).to.include('      t on constructor\n');
  });

  it('report an empty exclude entry at its line, not the whole list as leaving no instance', () => {
    const text = `nodes: [{ id: l, local: true }]
jobs:
  - id: m
    matrix: { s: [a, b], n: [1, 2, 3] }
    exclude:
      - { n: '1' }
      - {}
    jobs: [{ id: t, node: l, commands: [x] }]
`;
    expect(problems(text)).to.deep.equal([
      'test.yaml:7:9: jobs[0].exclude[1]: is empty: name at least one axis (an empty entry would exclude ' +
        'every instance)',
    ]);
  });

  it('refuse what no host name has, in a node and in each member of a group, each host checked once', () => {
    const text = `variables: { h: 'fit1 y' }
nodes:
  - { id: a, hostname: 'fit[1-300] x' }
  - { id: b, hostname: 'root@fit[1-2]:22' }
  - { id: c, hostname: 'root@fit1' }
  - { id: d, hostname: '[::1]:2222' }
  - { id: e, hostname: '-oProxyCommand=x' }
  - { id: f, hostname: 'u:secret@h' }
  - { id: g, hostname: [ok1, 'bad host', 'bad host'] }
  - { id: h, hostname: '{{h}}' }
  - { id: ok1, hostname: '::1' }
  - { id: ok2, hostname: 'fe80::1%eth0' }
  - { id: ok3, hostname: 10.0.0.1 }
  - { id: ok4, hostname: 'my_host.example.org.' }
  - { id: ok5, hostname: 'fit[01-37].lab' }
jobs: [{ id: x, node: ok1, commands: [x] }]
`;
    const not = 'is not a host name (letters, digits, "-", ".", "_", or an IPv6 address)';
    expect(problems(text)).to.deep.equal([
      `test.yaml:3:24: nodes[0].hostname: "fit1 x" ${not}`,
      `test.yaml:4:24: nodes[1].hostname: "root@fit1:22" ${not}: write the user as username: root, and the ` +
        'port as port: 22',
      `test.yaml:5:24: nodes[2].hostname: "root@fit1" ${not}: write the user as username: root`,
      `test.yaml:6:24: nodes[3].hostname: "[::1]:2222" ${not}: write the IPv6 address without brackets, and ` +
        'the port as port: 2222',
      `test.yaml:7:24: nodes[4].hostname: "-oProxyCommand=x" ${not}: write a name that does not start with ` +
        '"-" (ssh would read an option)',
      `test.yaml:8:24: nodes[5].hostname: "u:[redacted]@h" ${not}: write the user as username: u, and no ` +
        'password (a key or the agent)',
      `test.yaml:9:30: nodes[6].hostname[1]: "bad host" ${not}`,
      `test.yaml:10:24: nodes[7].hostname: "fit1 y" ${not}`,
    ]);
  });
});
