import path from 'node:path';

import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';

import type { Run } from '../../lib/commands/run.js';
import { MatrixJob } from '../../lib/fleet/matrix-job.js';
import { buildScenario } from '../../lib/scenario/build.js';
import type { LoadedScenario } from '../../lib/scenario/load.js';
import { parseScenario } from '../../lib/scenario/load.js';
import { formatProblems } from '../../lib/scenario/problems.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');

const problems = (text: string): string[] => {
  const result = parseScenario(text, 'test.yaml', { dir: fixtures });
  if (E.isRight(result)) expect.fail('expected problems, got a scenario');
  return formatProblems(result.left).split('\n');
};

const loaded = (text: string): LoadedScenario => {
  const result = parseScenario(text, 'test.yaml', { dir: fixtures });
  if (E.isLeft(result)) expect.fail(formatProblems(result.left));
  return result.right;
};

const PAIRS = `
variables: {packets: 100}
nodes:
  - {id: gw, hostname: gw.lab}
  - {id: fits, hostname: 'fit[01-03]', username: root, gateway: gw}
  - {id: senders, hostname: 'fit[01-02]', username: root, gateway: gw}
jobs:
  - {id: prepare, node: fits, commands: [init]}
  - id: pairs
    requires: prepare
    matrix: {sender: senders, receiver: fits, size: [10, 20]}
    where: sender != receiver and not (sender == 'fit02' and size == 20)
    exclude: [{receiver: fit03, size: 10}]
    jobsWindow: 1
    jobs:
      - {id: recv, node: receiver, commands: ['recv {{packets}} {{size}} from {{sender}} on {{hostname}} {{index}}']}
      - {id: send, node: sender, requires: recv, commands: ['send {{receiver}} {{instance}} {{node}}']}
      - {id: note, node: gw, commands: ['note {{instance}} on {{hostname}}']}
`;

const line = (job: { commands: readonly unknown[] } | undefined): string =>
  (job?.commands[0] as Run).describe();

describe('matrices in scenario files', () => {
  it('build a nested scheduler per instance kept by where and exclude, first axis slowest', () => {
    const built = buildScenario(loaded(PAIRS));
    const pairs = built.groups.get('pairs');
    expect(pairs).to.be.instanceOf(MatrixJob);
    expect(pairs?.label).to.equal('pairs');
    expect(pairs?.fold).to.equal(true);
    expect(pairs?.jobsWindow).to.equal(1);
    expect([...(pairs?.requirements ?? [])]).to.deep.equal([built.groups.get('prepare')]);
    expect([...(pairs?.jobs ?? [])].map((j) => j.label)).to.deep.equal([
      'pairs[fit01,fit02,10]',
      'pairs[fit01,fit02,20]',
      'pairs[fit01,fit03,20]',
      'pairs[fit02,fit01,10]',
    ]);
    expect([...built.jobs.keys()].filter((k) => k.startsWith('pairs[fit02'))).to.deep.equal([
      'pairs[fit02,fit01,10].recv',
      'pairs[fit02,fit01,10].send',
      'pairs[fit02,fit01,10].note',
    ]);
  });

  it('give each job of an instance the axes, {{instance}} and the built-ins of its node', () => {
    const built = buildScenario(loaded(PAIRS));
    const job = (key: string) => built.jobs.get(key);
    expect(line(job('pairs[fit01,fit03,20].recv'))).to.equal('recv 100 20 from fit01 on fit03 2');
    expect(line(job('pairs[fit02,fit01,10].send'))).to.equal('send fit01 fit02-fit01-10 senders[fit02]');
    expect(line(job('pairs[fit02,fit01,10].note'))).to.equal('note fit02-fit01-10 on gw.lab');
    // an axis over a group: the member node, shared with the groups of the same host
    expect(job('pairs[fit02,fit01,10].recv')?.node).to.equal(job('prepare@fit01')?.node);
    expect(job('pairs[fit02,fit01,10].send')?.node).to.equal(job('prepare@fit02')?.node);
    expect(job('pairs[fit02,fit01,10].note')?.node).to.equal(built.nodes.get('gw'));
    // requires inside the block, between the jobs of one instance
    expect([...(job('pairs[fit01,fit02,20].send')?.requirements ?? [])]).to.deep.equal([
      job('pairs[fit01,fit02,20].recv'),
    ]);
  });

  it('report bad axes, filters, exclusions and jobs of the block, each at its line', () => {
    expect(
      problems(`
nodes:
  - {id: one, hostname: h}
  - {id: many, hostname: 'h[1-3]'}
jobs:
  - id: a
    matrix: {one: many, b: one, c: nope, d: [1, 2, 1]}
    jobs: [{id: x, node: d, commands: [x]}]
  - id: b
    matrix: {s: many, r: many}
    where: s != t
    exclude: [{q: h1}, {s: h9}]
    jobs:
      - {id: x, node: many, requires: y, commands: [x]}
      - {id: x, node: zz, runIf: one-failed, commands: [x]}
  - id: c
    matrix: {s: many}
    where: s == 'h9'
    jobs: [{id: x, node: s, commands: [x]}]
  - {id: g, matrix: {node: many}, node: one, jobs: [{id: x, node: one, commands: [x]}]}
  - {id: d, node: one, jobs: [], commands: [x]}
  - {id: e, matrix: {s: many}, where: 's =! 1', jobs: [{id: x, node: s, commands: [x]}]}
  - {id: f, matrix: {s: many}, where: "s == 'h1'", jobs: [{id: x, node: s, commands: [x]}]}
`),
    ).to.deep.equal([
      'test.yaml:7:14: jobs[0].matrix.one: axis "one" has the name of a node: name it otherwise (node: one would mean either)',
      'test.yaml:7:28: jobs[0].matrix.b: "one" is one node, not a group: give a group id or a list of values',
      'test.yaml:7:36: jobs[0].matrix.c: unknown group "nope"',
      'test.yaml:7:45: jobs[0].matrix.d: repeats the value "1": give each value once',
      'test.yaml:11:12: jobs[1].where: "s != t": "t" at column 6 is not a variable; known: s, r, instance; quote a value: \'t\'',
      'test.yaml:12:16: jobs[1].exclude[0].q: "q" is not an axis of this matrix (axes: s, r)',
      'test.yaml:12:28: jobs[1].exclude[1].s: "h9" is not a value of axis s (values: h1, h2, h3)',
      'test.yaml:14:23: jobs[1].jobs[0].node: "many" is a group: in a matrix, make it an axis and name the axis',
      'test.yaml:14:39: jobs[1].jobs[0].requires: unknown job "y" of this matrix (its jobs: x); a job of the file goes in the matrix\'s own requires',
      'test.yaml:15:14: jobs[1].jobs[1].id: duplicate job id "x" in this matrix',
      'test.yaml:15:23: jobs[1].jobs[1].node: "zz" is neither an axis (s, r) nor a node',
      'test.yaml:15:34: jobs[1].jobs[1].runIf: one-failed runs only after a failed requirement: give this job requires',
      'test.yaml:18:12: jobs[2].where: leaves no instance of the 3 of s',
      'test.yaml:20:22: jobs[3].matrix.node: "node" is a built-in variable: name the axis otherwise',
      'test.yaml:20:35: jobs[3].node: not allowed with matrix: give the commands in the jobs of the matrix',
      'test.yaml:21:24: jobs[4].jobs: only for a matrix: add a matrix, or give commands and a node',
      'test.yaml:22:39: jobs[5].where: "s =! 1": unexpected "=" at column 3 (compare with ==)',
    ]);
  });

  it('refuse more than 100,000 instances before the filter', () => {
    expect(
      problems(`
nodes: [{id: g, hostname: 'n[1-400]'}]
jobs: [{id: m, matrix: {a: g, b: g}, jobs: [{id: x, node: a, commands: [x]}]}]
`),
    ).to.deep.equal([
      'test.yaml:3:24: jobs[0].matrix: has 160000 instances, more than the 100000 allowed: split it',
    ]);
  });

  it('check the files and {{name}}s of the jobs of the block, the axes and instance being known', () => {
    expect(
      problems(`
nodes: [{id: g, hostname: 'n[1-2]'}]
jobs:
  - id: m
    matrix: {s: g}
    jobs:
      - {id: x, node: s, commands: [{type: RunScript, script: missing.sh}, 'echo {{s}} {{instance}} {{index}} {{nope}}']}
`),
    ).to.deep.equal([
      `test.yaml:7:63: jobs[0].jobs[0].commands[0].script: file not found: ${path.join(fixtures, 'missing.sh')}`,
      'test.yaml:7:76: jobs[0].jobs[0].commands[1]: {{nope}} is not defined: no variable (global, the ' +
        "node's, or node, hostname, username) and no capture gives it (did you mean {{node}}?): define it " +
        'under variables, or capture it with capture: nope in a command that runs before',
    ]);
  });

  it('report a requirement cycle inside the block, which the run would only find on its first instance', () => {
    expect(
      problems(`nodes: [{ id: l, local: true }]
jobs:
  - id: m
    matrix: { b: [1, 2] }
    jobs:
      - { id: x, node: l, requires: y, commands: [echo x] }
      - { id: y, node: l, requires: x, commands: [echo y] }
`),
    ).to.deep.equal(['test.yaml:6:37: jobs[0].jobs[0].requires: the requirements form a cycle: x -> y -> x']);
    expect(
      problems(`nodes: [{ id: l, local: true }]
jobs: [{ id: m, matrix: { b: [1] }, jobs: [{ id: z, node: l, requires: [z], commands: [echo] }] }]
`),
    ).to.deep.equal(['test.yaml:2:72: jobs[0].jobs[0].requires: the requirements form a cycle: z -> z']);
  });

  it('fill {{name}} in maxFailures, memberTimeout, where, axis values and exclude from the file and --var', () => {
    const text = `variables: { mf: '10%', t: 60, n: 3, skip: x }
nodes: [{ id: l, local: true }, { id: g, hostname: 'h[1-4]' }]
jobs:
  - { id: p, node: g, maxFailures: '{{mf}}', memberTimeout: '{{t}}', commands: [hostname] }
  - id: m
    matrix: { a: ['{{n}}', x, y] }
    where: "a != '{{skip}}'"
    exclude: [{ a: '{{n}}' }]
    jobs: [{ id: t, node: l, commands: ['echo {{a}}'] }]
`;
    const [p, m] = loaded(text).spec.jobs;
    expect(p).to.include({ maxFailures: '10%', memberTimeout: 60 });
    expect(m).to.deep.include({ matrix: { a: ['3', 'x', 'y'] }, where: "a != 'x'", exclude: [{ a: '3' }] });
    const more = parseScenario(text, 'test.yaml', { dir: fixtures, variables: { n: '2', mf: '1' } });
    if (E.isLeft(more)) expect.fail(formatProblems(more.left));
    expect(more.right.spec.jobs[0]).to.include({ maxFailures: 1 });
    expect(problems(text.replace("'{{mf}}'", "'{{nope}}'"))).to.deep.equal([
      'test.yaml:4:36: jobs[0].maxFailures: {{nope}} in maxFailures of job "p" is not defined: no variable ' +
        'of the file gives it: define it under variables, or on the command line with rxjobs run --var nope=VALUE',
    ]);
  });
});
