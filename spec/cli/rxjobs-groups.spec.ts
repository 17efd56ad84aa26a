import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { fleetArgs, linesOf, noSessionsLeft, runCli, builtCliInScratchDir } from '../helpers/cli.js';
import { startFleet } from '../helpers/sshd.js';
import type { Fleet } from '../helpers/sshd.js';

const fixtures = path.join(import.meta.dirname, '..', 'scenario', 'fixtures');

describe('rxjobs run with groups and matrices (the built CLI)', function () {
  this.timeout(60_000);
  let dir: string;

  builtCliInScratchDir('rxjobs-groups-', (d) => (dir = d));

  const scenario = (text: string, name = 'scenario.yaml'): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };

  /** The README's testbed example, its gateway a name that resolves nowhere: a plan runs nothing. */
  const testbed = (): string => {
    fs.copyFileSync(path.join(fixtures, 'angle-measure.sh'), path.join(dir, 'angle-measure.sh'));
    const text = fs.readFileSync(path.join(fixtures, 'testbed.yaml'), 'utf8');
    return scenario(text.replace('faraday.inria.fr', 'gw.invalid'), 'testbed.yaml');
  };

  it('--dry-run prints the testbed plan: groups folded with their size, 105 jobs', async () => {
    const file = testbed();
    const r = await runCli('rxjobs', ['run', '--dry-run', file, '--var', 'gwuser=inria_me']);
    expect(r.code, r.stderr).to.equal(0);
    expect(linesOf(r.stdout).slice(2, 9)).to.deep.equal([
      'nodes (4 entries, 38 hosts):',
      '  gw         ssh inria_me@gw.invalid',
      '  fits       group of 37: ssh root@fit[01-37] via gw',
      '  senders    group of 4: ssh root@fit[01-04] via gw',
      '  receivers  group of 4: ssh root@fit[03,10-12] via gw',
      'jobs (4 entries, 1 + 37 + 15×2 + 37 = 105 jobs):',
      '  load on gw [critical]',
    ]);
    expect(linesOf(r.stdout)).to.include('    1. RunScript: angle-measure.sh init <hostname> 64 HT20');
  });

  it('--dry-run --unfold prints every member and instance with its own values', async () => {
    const r = await runCli('rxjobs', ['run', '-n', '--unfold', testbed(), '--var', 'gwuser=me']);
    expect(r.code, r.stderr).to.equal(0);
    const lines = linesOf(r.stdout);
    expect(lines).to.include('    prepare@fit37');
    expect(lines).to.include('      1. RunScript: angle-measure.sh init fit37 64 HT20');
    expect(lines).to.include('    pairs[fit04,fit12]');
    expect(lines.filter((l) => /^ {4}pairs\[/.test(l))).to.have.length(15);
    expect(lines).to.include('        2. Pull: rawdata -> csi-fit04-fit12');
    // an axis names the instance's own host: recv on the receiver, send on the sender
    const pair = lines.indexOf('    pairs[fit04,fit12]');
    expect(lines.slice(pair + 1, pair + 5).filter((l) => / on /.test(l))).to.deep.equal([
      '      recv on fit12',
      '      send on fit04',
    ]);
  });

  it('--dry-run --unfold fills {{name}} in node, requires and labels from --var, members and instances', async () => {
    const file = scenario(`
variables: { stage: a }
nodes:
  - { id: fits, hostname: 'fit[01-02]', username: root }
  - { id: one, hostname: h1 }
jobs:
  - { id: prep-a, node: one, commands: [echo a] }
  - { id: p, node: '{{target}}', label: 'prep {{hostname}}', requires: ['prep-{{stage}}'], commands: [hostname] }
  - id: m
    matrix: { a: [x, y], s: fits }
    jobs: [{ id: t, node: '{{s}}', label: 'lab {{a}} on {{hostname}}', commands: ['echo {{a}}'] }]
`);
    const r = await runCli('rxjobs', ['run', '-n', '--unfold', file, '--var', 'target=fits']);
    expect(r.code, r.stderr).to.equal(0);
    const lines = linesOf(r.stdout);
    expect(lines).to.include('  p on fits ×2 [label "prep <hostname>", requires prep-a]');
    expect(lines).to.include('    p@fit02 [label "prep fit02"]');
    expect(lines).to.include('      t on fit01 [label "lab y on fit01"]');
    const missing = await runCli('rxjobs', ['run', '-n', file]);
    expect(missing.code).to.equal(2);
    expect(linesOf(missing.stderr)[0]).to.equal(
      `${file}:8:20: jobs[1].node: {{target}} in node of job "p" is not defined: no variable of the file ` +
        'gives it: define it under variables, or on the command line with rxjobs run --var target=VALUE',
    );
  });

  it('--graph dot draws a job on a group and a matrix as one node each, or each member with --unfold', async () => {
    const file = testbed();
    const folded = await runCli('rxjobs', ['run', '--graph', 'dot', file, '--var', 'gwuser=me']);
    expect(folded.code, folded.stderr).to.equal(0);
    expect(linesOf(folded.stdout).filter((l) => l.includes('label='))).to.deep.equal([
      '  j1 [label="load\\ngw", shape=box, style="rounded", color="red", penwidth=2];',
      '  j2 [label="prepare\\nfit[01-37] ×37", shape=box3d, style="rounded", penwidth=0.5];',
      '  j3 [label="pairs ×15", shape=box3d, style="rounded", penwidth=0.5];',
      '  j4 [label="collect\\nfit[01-37] ×37", shape=box3d, style="rounded", penwidth=0.5];',
    ]);
    const unfolded = await runCli('rxjobs', [
      'run',
      '--graph',
      'dot',
      '--unfold',
      file,
      '--var',
      'gwuser=me',
    ]);
    expect(unfolded.code, unfolded.stderr).to.equal(0);
    expect(unfolded.stdout).to.include('prepare@fit37');
    expect(unfolded.stdout).to.include('pairs[fit04,fit12].send');
  });

  it('reports the problems of groups and matrices at their lines, and runs nothing', async () => {
    const file = scenario(`
nodes:
  - {id: fits, hostname: 'fit[3-1]'}
  - {id: gw, hostname: gw, gateway: all}
  - {id: all, hostname: [a, b]}
jobs:
  - {id: m, matrix: {s: all}, where: s == t, jobs: [{id: x, node: s, commands: [x]}]}
`);
    const r = await runCli('rxjobs', ['run', '--dry-run', file]);
    expect(r.code).to.equal(2);
    expect(linesOf(r.stderr)).to.deep.equal([
      `${file}:3:26: nodes[0].hostname: fit[3-1]: range 3-1 is descending: write fit[1-3]`,
      `${file}:4:37: nodes[1].gateway: a gateway is one node: "all" is a group of 2`,
      `${file}:7:38: jobs[0].where: "s == t": "t" at column 6 is not a variable; known: s, instance; ` +
        "quote a value: 't'",
      `rxjobs: 3 problems in ${file}; nothing was run`,
    ]);
  });

  it("exits 0 when a matrix's maxFailures tolerates a failed instance, its failed job listed as tolerated", async () => {
    const file = scenario(`
nodes: [{ id: l, local: true }]
jobs:
  - id: m
    matrix: { x: [0, 1, 2, 3] }
    maxFailures: 1
    jobs: [{ id: t, node: l, commands: ['test {{x}} != 1'] }]
`);
    const r = await runCli('rxjobs', ['run', file]);
    expect(r.code, r.stderr).to.equal(0);
    expect(linesOf(r.stderr)).to.include.members([
      'rxjobs: no job failed; 1 failure tolerated:',
      '  m[1].t  exit 1  l: command "test 1 != 1" failed (exit 1)  tolerated with m[1] (maxFailures 1 of m)',
    ]);
    const json = await runCli('rxjobs', ['run', '--json', file]);
    const result = linesOf(json.stdout)
      .map((l) => JSON.parse(l) as { type: string; target?: string; ok?: boolean; status?: string })
      .find((rec) => rec.type === 'result' && rec.target === 'm[1].t');
    expect(result).to.include({ ok: true, status: 'failed (tolerated)' });
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('maxFailures: 1', 'maxFailures: 0'));
    expect((await runCli('rxjobs', ['run', file])).code).to.equal(1);
  });

  it('a tolerated instance of several jobs: its jobs not run are tolerated too; the summary, --json and --mark agree', async () => {
    const file = scenario(`
nodes: [{ id: l, local: true }]
jobs:
  - id: m
    matrix: { x: [0, 1, 2, 3] }
    maxFailures: 2
    jobs:
      - { id: t, node: l, commands: ['test {{x}} != 1 && test {{x}} != 2'] }
      - { id: u, node: l, requires: t, commands: ['true'] }
`);
    const r = await runCli('rxjobs', ['run', file]);
    expect(r.code, r.stderr).to.equal(0);
    const t = (x: number) =>
      `  m[${String(x)}].t  exit 1   l: command "test ${String(x)} != 1 && test ${String(x)} != 2" failed (exit 1)  ` +
      `tolerated with m[${String(x)}] (maxFailures 2 of m)`;
    const u = (x: number) =>
      `  m[${String(x)}].u  not run  tolerated with m[${String(x)}] (maxFailures 2 of m)`;
    expect(linesOf(r.stderr)).to.deep.equal([
      'rxjobs: no job failed; 2 failures tolerated, 2 jobs not run after them:',
      t(1),
      u(1),
      t(2),
      u(2),
    ]);

    const json = await runCli('rxjobs', ['run', '--json', file]);
    expect(json.code, json.stderr).to.equal(0);
    const records = linesOf(json.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.find((rec) => rec['type'] === 'result' && rec['target'] === 'm[2].u')).to.deep.include({
      ok: true,
      status: 'not run',
      tolerated: { status: 'not run', note: 'tolerated with m[2] (maxFailures 2 of m)' },
    });
    expect(records.at(-1)).to.deep.include({
      type: 'summary',
      ok: true,
      exitStatus: 0,
      total: 8,
      succeeded: 8,
      failed: 0,
      tolerated: 2,
      notRunAfterTolerated: 2,
    });

    const out = path.join(dir, 'out');
    const marked = await runCli('rxjobs', ['run', '-o', out, '--mark', file]);
    expect(marked.code, marked.stderr).to.equal(0);
    expect(fs.readdirSync(path.join(out, '1failed')).sort()).to.deep.equal([
      'm[1].t',
      'm[1].u',
      'm[2].t',
      'm[2].u',
    ]);
    expect(fs.readFileSync(path.join(out, '1failed', 'm[1].u'), 'utf8')).to.equal('not run\n');
  });

  describe('against real sshd', () => {
    let fleet: Fleet;
    before(async function () {
      this.timeout(60_000);
      fleet = await startFleet({ hosts: 6 });
    });
    after(async () => {
      await fleet.stop();
    });

    it('prepares a group behind a gateway (one failure tolerated), runs a matrix of pairs, collects: exit 0', async () => {
      const [gw, ...rest] = fleet.hosts.map((h) => h.address);
      const out = path.join(dir, 'out');
      const file = scenario(`
variables: {out: ${out}}
nodes:
  - {id: gw, hostname: ${gw ?? ''}}
  - {id: all, hostname: '127.0.0.[3-7]', gateway: gw}
  - {id: senders, hostname: ['127.0.0.3', '127.0.0.4'], gateway: gw}
  - {id: receivers, hostname: '127.0.0.[4-5]', gateway: gw}
jobs:
  - id: prepare
    node: all
    maxFailures: 20%
    commands: ['mkdir -p {{out}} && echo "{{index}} {{node}}" > {{out}}/{{hostname}} && test {{index}} != 3']
  - id: pairs
    requires: prepare
    matrix: {sender: senders, receiver: receivers}
    where: sender != receiver
    jobsWindow: 1
    jobs:
      - {id: recv, node: receiver, commands: ['echo "recv {{instance}}" >> {{out}}/{{hostname}}']}
      - {id: send, node: sender, requires: recv, commands: ['echo "send to {{receiver}}" >> {{out}}/{{hostname}}']}
  - id: collect
    node: all
    requires: pairs
    runIf: always
    commands: ['set -- $SSH_CONNECTION; echo "$3 $(wc -l < {{out}}/{{hostname}})"']
`);
      expect(rest).to.have.length(5);
      const r = await runCli('rxjobs', ['run', file, ...fleetArgs(fleet, { portOption: true })]);
      expect(r.code, r.stderr).to.equal(0);
      const read = (host: string) => linesOf(fs.readFileSync(path.join(out, host), 'utf8'));
      expect(read('127.0.0.3')).to.deep.equal(['0 all[127.0.0.3]', 'send to 127.0.0.4', 'send to 127.0.0.5']);
      expect(read('127.0.0.4')).to.deep.equal([
        '1 all[127.0.0.4]',
        'recv 127.0.0.3-127.0.0.4',
        'send to 127.0.0.5',
      ]);
      expect(read('127.0.0.5')).to.deep.equal([
        '2 all[127.0.0.5]',
        'recv 127.0.0.3-127.0.0.5',
        'recv 127.0.0.4-127.0.0.5',
      ]);
      expect(read('127.0.0.7')).to.deep.equal(['4 all[127.0.0.7]']);
      // each member's own line, from its own sshd address
      const lines = linesOf(r.stdout);
      for (const [host, count] of [
        ['127.0.0.3', 3],
        ['127.0.0.6', 1],
        ['127.0.0.7', 1],
      ] as const)
        expect(lines).to.include(`${host}:${host} ${String(count)}`);
      expect(r.stdout).to.match(/prepare 127\.0\.0\.\[3-7\].*tolerated/);
      expect(await noSessionsLeft(fleet)).to.equal(true);
    });
  });
});
