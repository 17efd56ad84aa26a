/**
 * A testbed-sized scenario run by the built CLI on 200 loopback hosts behind a gateway (R2lab's shape): prepare
 * on two groups of 100, a matrix of 100 sender × receiver pairs, collect from all with `runIf: always`. The
 * hosts share one filesystem: each writes a file named after itself in the test's own directory.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { expect } from 'chai';

import { ensureBuilt, fleetArgs, linesOf, marker, noSessionsLeft, runCli } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { descendants, remoteProcesses, startFleet } from '../helpers/sshd.js';
import type { Fleet } from '../helpers/sshd.js';

/** 127.0.0.2 is the gateway, 127.0.0.[3-202] the 200 hosts behind it. */
const HOSTS = 201;
const A = '127.0.0.[3-102]';
const B = '127.0.0.[103-202]';
/** Made to fail in prepare: two of a (its 2% exactly), one of b; none is in a pair of the matrix. */
const FAILING = ['127.0.0.50', '127.0.0.102', '127.0.0.150'];

const hostsOf = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `127.0.0.${String(from + i)}`);

describe('rxjobs run: 200 hosts in groups behind a gateway, 3 stages (the built CLI, real sshd)', function () {
  this.timeout(120_000);
  let fleet: Fleet;
  let dir: string;
  let tag: string;

  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
    fleet = await startFleet({ hosts: HOSTS });
  });
  after(async () => {
    await fleet.stop();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjobs-fleet200-'));
    tag = marker('fleet200');
  });
  afterEach(async () => {
    expect(await noSessionsLeft(fleet, 10_000), 'ssh sessions left open').to.equal(true);
    expect(
      await eventually(async () => (await remoteProcesses(tag)).length === 0, 10_000),
      'remote commands left running',
    ).to.equal(true);
    expect(
      await eventually(() => descendants(fleet.sshdPids()).length === 0, 10_000),
      'sshd session processes left',
    ).to.equal(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The scenario: `maxFailures` of prepare, and the hosts made to fail there (after writing their file). */
  const scenario = (maxFailures: string, failing: readonly string[]): string => {
    const file = path.join(dir, 'fleet.yaml');
    const out = path.join(dir, 'out');
    const collected = path.join(dir, 'collected');
    fs.mkdirSync(out);
    // every host has a file to collect from the start: after a critical stop, prepare may have been cancelled
    // on many hosts before it wrote theirs (more of them on a loaded machine), and collect must still find one
    for (const host of hostsOf(3, 202)) fs.writeFileSync(path.join(out, host), 'not prepared\n');
    const fail = failing.length === 0 ? 'none' : failing.join('|');
    const prepare = (id: string, node: string): string[] => [
      `  - id: ${id}`,
      `    node: ${node}`,
      `    maxFailures: ${maxFailures}`,
      `    commands: ['echo "{{index}} {{node}}" > {{out}}/{{hostname}}; : {{tag}}; case {{hostname}} in ${fail}) exit 3;; esac']`,
    ];
    fs.writeFileSync(
      file,
      [
        `variables: {out: ${out}, collected: ${collected}, tag: ${tag}}`,
        'scheduler: {label: fleet200, cleanupTimeout: 300}', // collect's 200 pulls may take more than 10 s under load
        'nodes:',
        `  - {id: gw, hostname: ${fleet.hosts[0]?.address ?? ''}}`,
        `  - {id: a, hostname: '${A}', gateway: gw}`,
        `  - {id: b, hostname: '${B}', gateway: gw}`,
        `  - {id: all, hostname: ['${A}', '${B}'], gateway: gw}`,
        "  - {id: senders, hostname: '127.0.0.[3-12]', gateway: gw}",
        "  - {id: receivers, hostname: '127.0.0.[103-112]', gateway: gw}",
        'jobs:',
        ...prepare('prepare-a', 'a'),
        ...prepare('prepare-b', 'b'),
        '  - id: pairs',
        '    requires: [prepare-a, prepare-b]',
        '    matrix: {sender: senders, receiver: receivers}',
        '    where: sender != receiver',
        '    jobs:',
        '      - {id: recv, node: receiver, commands: [\'echo "recv {{instance}}" >> {{out}}/{{hostname}}; : {{tag}}\']}',
        '      - {id: send, node: sender, requires: recv, commands: [\'echo "send {{receiver}}" >> {{out}}/{{hostname}}; : {{tag}}\']}',
        '  - id: collect',
        '    node: all',
        '    requires: pairs',
        '    runIf: always',
        "    commands: [{type: Pull, remotePaths: '{{out}}/{{hostname}}', localDir: '{{collected}}'}]",
        '',
      ].join('\n'),
    );
    return file;
  };

  const run = async (file: string): Promise<CliResult> => {
    const r = await runCli('rxjobs', ['run', file, ...fleetArgs(fleet, { portOption: true })], {
      timeoutMs: 100_000,
    });
    return r;
  };

  /** The collected files: one per host, named after it. */
  const collected = (): string[] => fs.readdirSync(path.join(dir, 'collected')).sort();
  const read = (host: string): string[] =>
    linesOf(fs.readFileSync(path.join(dir, 'collected', host), 'utf8'));

  it('prepares 200 hosts, runs 100 pairs, collects 200 files: exit 0, groups folded in the listing', async () => {
    const r = await run(scenario('0', []));
    expect(r.code, r.stderr).to.equal(0);
    const all = [...hostsOf(3, 202)].sort();
    expect(collected()).to.deep.equal(all);
    // a sender: its line, then one per receiver; a receiver: one per sender; the others: their line only
    expect(read('127.0.0.3').slice(0, 1)).to.deep.equal(['0 a[127.0.0.3]']);
    expect(read('127.0.0.3').slice(1).sort()).to.deep.equal(hostsOf(103, 112).map((h) => `send ${h}`));
    expect(read('127.0.0.103').slice(0, 1)).to.deep.equal(['0 b[127.0.0.103]']);
    expect(read('127.0.0.103').slice(1).sort()).to.deep.equal(
      hostsOf(3, 12)
        .map((h) => `recv ${h}-127.0.0.103`)
        .sort(),
    );
    expect(read('127.0.0.202')).to.deep.equal(['99 b[127.0.0.202]']);
    // the listing at the end: one line per job of the file, 600 jobs folded in 4 lines
    expect(linesOf(r.stdout).filter((l) => /^\d+ /.test(l))).to.deep.equal([
      '1   ☉ ☓   <GroupJob `prepare-a 127.0.0.[3-102]`> 100 done',
      '2   ☉ ☓   <GroupJob `prepare-b 127.0.0.[103-202]`> 100 done',
      '3   ☉ ☓   <MatrixJob `pairs`> 100 done requires:{1,2}',
      '4   ☉ ☓   <GroupJob `collect 127.0.0.[3-202]`> 200 done requires:{3}',
    ]);
  });

  it('tolerates 3 failed hosts in prepare with maxFailures 2% (exit 0), not with maxFailures 1 (exit 1)', async () => {
    const tolerant = await run(scenario('2%', FAILING));
    expect(tolerant.code, tolerant.stderr).to.equal(0);
    expect(collected()).to.have.length(200);
    expect(linesOf(tolerant.stdout).filter((l) => /^\d+ /.test(l))).to.deep.equal([
      '1   ☉ ☓   <GroupJob `prepare-a 127.0.0.[3-102]`> 98 done, 2 failed (127.0.0.[50,102], tolerated)',
      '2   ☉ ☓   <GroupJob `prepare-b 127.0.0.[103-202]`> 99 done, 1 failed (127.0.0.150, tolerated)',
      '3   ☉ ☓   <MatrixJob `pairs`> 100 done requires:{1,2}',
      '4   ☉ ☓   <GroupJob `collect 127.0.0.[3-202]`> 200 done requires:{3}',
    ]);
    expect(linesOf(tolerant.stderr)).to.include('rxjobs: no job failed; 3 failures tolerated:');
    for (const host of FAILING)
      expect(tolerant.stderr).to.match(
        new RegExp(`@${host.replaceAll('.', '\\.')} .*tolerated \\(maxFailures 2%\\)`),
      );

    fs.rmSync(path.join(dir, 'out'), { recursive: true });
    fs.rmSync(path.join(dir, 'collected'), { recursive: true });
    const strict = await run(scenario('1', FAILING));
    expect(strict.code, strict.stderr).to.equal(1);
    // collect runs whatever happened upstream
    expect(collected()).to.have.length(200);
    // the second failure in a is one too many: prepare-a fails (its other members may be cancelled)
    expect(strict.stdout).to.match(
      /^1 .*<GroupJob `prepare-a 127\.0\.0\.\[3-102\]`> 9\d done, 2 failed \(127\.0\.0\.\[50,102\], 1 tolerated\).*ended false: 2 of 100 members failed/m,
    );
    expect(strict.stdout).to.match(
      /^4 .*<GroupJob `collect 127\.0\.0\.\[3-202\]`> 200 done requires:\{3\}$/m,
    );
    expect(strict.stderr).to.match(/^ {2}prepare-a@127\.0\.0\.(50|102) +exit 3 .*failed \(exit 3\)$/m);
  });

  it('reaches 32 hosts directly, 8 handshakes at once per address under MaxStartups 10: retries absorb the drops', async () => {
    // no gateway: the ramp is per address, up to 16 × 8 unauthenticated connections at one sshd, which drops
    // those beyond its MaxStartups 10 at random; a dropped handshake is tried again
    const file = path.join(dir, 'direct.yaml');
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(
      file,
      [
        `variables: {out: ${out}, tag: ${tag}}`,
        'nodes:',
        "  - {id: direct, hostname: '127.0.0.[3-34]'}",
        'jobs:',
        "  - {id: touch, node: direct, commands: ['echo {{index}} > {{out}}/{{hostname}}; : {{tag}}']}",
        '',
      ].join('\n'),
    );
    const r = await run(file);
    expect(r.code, r.stderr).to.equal(0);
    expect(fs.readdirSync(out).sort()).to.deep.equal(hostsOf(3, 34).sort());
    expect(linesOf(r.stdout).filter((l) => /^\d+ /.test(l))).to.deep.equal([
      '1   ☉ ☓   <GroupJob `touch 127.0.0.[3-34]`> 32 done',
    ]);
  });
});
