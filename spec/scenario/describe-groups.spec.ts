import path from 'node:path';

import { expect } from 'chai';
import * as E from 'fp-ts/lib/Either.js';

import { describeScenario } from '../../lib/scenario/describe.js';
import type { LoadedScenario } from '../../lib/scenario/load.js';
import { loadScenario, parseScenario } from '../../lib/scenario/load.js';
import { formatProblems } from '../../lib/scenario/problems.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');

const ok = (result: E.Either<readonly { message: string }[], LoadedScenario>): LoadedScenario => {
  if (E.isLeft(result)) expect.fail(formatProblems(result.left as never));
  return result.right;
};

describe('describeScenario of groups and matrices', () => {
  it('folds each group to one line and each job on a group or matrix to one block, with their sizes', () => {
    const file = path.join(fixtures, 'testbed.yaml');
    const loaded = ok(loadScenario(file, { variables: { gwuser: 'inria_me' } }));
    expect(describeScenario(loaded)).to.equal(
      [
        `scenario ${file}`,
        'scheduler "angle-measure", timeout 7200 s',
        'nodes (4 entries, 38 hosts):',
        '  gw         ssh inria_me@faraday.inria.fr',
        '  fits       group of 37: ssh root@fit[01-37] via gw',
        '  senders    group of 4: ssh root@fit[01-04] via gw',
        '  receivers  group of 4: ssh root@fit[03,10-12] via gw',
        'jobs (4 entries, 1 + 37 + 15×2 + 37 = 105 jobs):',
        '  load on gw [critical]',
        '    1. Run: rhubarbe load fit[01-37] -i intelcsi-v1',
        '  prepare on fits ×37 [maxFailures 10% (3), memberTimeout 120 s, retries 2 (delay 5 s), requires load]',
        '    1. RunScript: angle-measure.sh init <hostname> 64 HT20',
        '  pairs: matrix sender × receiver (senders × receivers where sender != receiver): 15 instances ' +
          '[maxFailures 2, jobsWindow 1, requires prepare]',
        '    recv on receiver',
        '      1. RunScript: angle-measure.sh run-receiver 10000',
        '      2. Pull: rawdata -> csi-<instance>',
        '    send on sender',
        '      1. RunScript: angle-measure.sh run-sender 10000 <receiver>',
        '  collect on fits ×37 [runIf always, requires pairs]',
        '    1. Pull: /tmp/log -> logs/<hostname>',
      ].join('\n'),
    );
  });

  it('counts one host and one job in the singular', () => {
    const text = `
nodes: [{id: one, hostname: 'n[1]', username: u}]
jobs: [{id: a, node: one, commands: ['true']}]
`;
    const lines = describeScenario(ok(parseScenario(text, 'one.yaml', { dir: fixtures }))).split('\n');
    expect(lines).to.include('nodes (1 entry, 1 host):');
    expect(lines).to.include('jobs (1 entry, 1 = 1 job):');
  });

  const SMALL = `
nodes:
  - {id: here, local: true}
  - {id: ns, hostname: 'n[1-2]', username: u, port: 2200}
jobs:
  - {id: a, node: ns, maxFailures: 1, ignoreUnreachable: true, commands: ['echo {{index}} {{node}} {{group}}']}
  - {id: b, node: ns, requires: a, skipFailedMembers: false, jobsWindow: 1, commands: ['echo {{hostname}}']}
  - {id: c, node: ns, requires: a, commands: ['echo {{hostname}}']}
  - id: m
    matrix: {x: ns, size: [1, 2]}
    exclude: [{x: n2, size: 2}]
    jobs: [{id: j, node: here, retries: 1, commands: ['echo {{x}} {{size}} {{instance}} {{hostname}}']}]
`;

  it('shows skipFailedMembers where a job on a group requires one, and each member with --unfold', () => {
    const loaded = ok(parseScenario(SMALL, 'small.yaml', { dir: fixtures }));
    expect(
      describeScenario(loaded, { ssh: { username: 'me' } })
        .split('\n')
        .slice(2),
    ).to.deep.equal([
      'nodes (2 entries, 3 hosts):',
      '  here  local',
      '  ns    group of 2: ssh u@n[1-2]:2200',
      'jobs (4 entries, 2 + 2 + 2 + 3×1 = 9 jobs):',
      '  a on ns ×2 [maxFailures 1, ignoreUnreachable]',
      '    1. Run: echo <index> <node> ns',
      '  b on ns ×2 [jobsWindow 1, requires a, skipFailedMembers off]',
      '    1. Run: echo <hostname>',
      '  c on ns ×2 [requires a, skipFailedMembers]',
      '    1. Run: echo <hostname>',
      '  m: matrix x × size (ns × [1, 2], 1 excluded): 3 instances',
      '    j on here [retries 1]',
      '      1. Run: echo <x> <size> <instance> localhost',
    ]);
    expect(describeScenario(loaded, { unfold: true }).split('\n').slice(6)).to.deep.equal([
      '  a on ns ×2 [maxFailures 1, ignoreUnreachable]',
      '    a@n1',
      '      1. Run: echo 0 ns[n1] ns',
      '    a@n2',
      '      1. Run: echo 1 ns[n2] ns',
      '  b on ns ×2 [jobsWindow 1, requires a, skipFailedMembers off]',
      '    b@n1',
      '      1. Run: echo n1',
      '    b@n2',
      '      1. Run: echo n2',
      '  c on ns ×2 [requires a, skipFailedMembers]',
      '    c@n1',
      '      1. Run: echo n1',
      '    c@n2',
      '      1. Run: echo n2',
      '  m: matrix x × size (ns × [1, 2], 1 excluded): 3 instances',
      '    m[n1,1]',
      '      j on here [retries 1]',
      '        1. Run: echo n1 1 n1-1 localhost',
      '    m[n1,2]',
      '      j on here [retries 1]',
      '        1. Run: echo n1 2 n1-2 localhost',
      '    m[n2,1]',
      '      j on here [retries 1]',
      '        1. Run: echo n2 1 n2-1 localhost',
    ]);
  });
});
