import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { fleetArgs, linesOf, noSessionsLeft, runCli, builtCliInScratchDir } from '../helpers/cli.js';
import { startFleet } from '../helpers/sshd.js';
import type { Fleet } from '../helpers/sshd.js';

describe('rxjobs run --var (the built CLI)', function () {
  this.timeout(60_000);
  let dir: string;

  builtCliInScratchDir('rxjobs-vars-', (d) => (dir = d));

  const scenario = (text: string): string => {
    const file = path.join(dir, 'scenario.yaml');
    fs.writeFileSync(file, text);
    return file;
  };

  /** A gateway and a node whose host names come from variables; the node's needs `target` from outside. */
  const GATEWAYED = (gw: string): string => `
variables: {gwname: ${gw}, word: file}
nodes:
  - {id: gw, hostname: '{{gwname}}'}
  - {id: n, hostname: '{{target}}', gateway: gw, label: 'n on {{hostname}}'}
jobs:
  - {id: where, node: n, commands: ['set -- $SSH_CONNECTION; echo "{{word}} $3 from $1"']}
`;

  it('--dry-run shows the host names and commands with the --var values, over the file’s', async () => {
    const file = scenario(GATEWAYED('wrong.example.org'));
    const r = await runCli('rxjobs', [
      'run',
      '--dry-run',
      '--var',
      'gwname=gw.example.org',
      '--var=target=fit01.example.org',
      '--var',
      'word=a b=c',
      file,
    ]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('gw.example.org');
    expect(r.stdout).to.include('fit01.example.org via');
    expect(r.stdout).to.include('echo "a b=c $3 from $1"');
    expect(r.stdout).not.to.include('wrong.example.org');
    expect(r.stdout).not.to.include('{{');
  });

  it('reports a variable that nothing gives as a problem of the file, naming the field', async () => {
    const file = scenario(GATEWAYED('gw.example.org'));
    const r = await runCli('rxjobs', ['run', '--dry-run', '--var', 'tagret=x', file]);
    expect(r.code).to.equal(2);
    expect(linesOf(r.stderr)).to.deep.equal([
      `${file}:5:23: nodes[1].hostname: {{target}} in hostname of node "n" is not defined: no variable ` +
        "(global, the node's, or node, hostname, username) gives it (did you mean {{tagret}}?): define it " +
        'under variables, or on the command line with rxjobs run --var target=VALUE',
      `rxjobs: 1 problem in ${file}; nothing was run`,
    ]);
  });

  for (const [option, message] of [
    ['novalue', /--var novalue: expected NAME=VALUE, NAME made of letters, digits and "_"/],
    ['1x=2', /--var 1x=2: expected NAME=VALUE/],
    ['=2', /--var =2: expected NAME=VALUE/],
    ['hostname=h', /--var hostname=h: \{\{hostname\}\} is a built-in variable/],
    [
      'index=5',
      /--var index=5: \{\{index\}\} is a built-in variable, each node's, member's or instance's own/,
    ],
    ['group=g', /--var group=g: \{\{group\}\} is a built-in variable/],
    ['instance=i', /--var instance=i: \{\{instance\}\} is a built-in variable/],
  ] as const)
    it(`exits 2 with one clear line for --var ${option}`, async () => {
      const r = await runCli('rxjobs', ['run', '--var', option, scenario(GATEWAYED('gw'))]);
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.match(message);
      expect(r.stderr).not.to.match(/\n\s+at /);
    });

  describe('against real sshd', () => {
    let fleet: Fleet;
    before(async function () {
      this.timeout(60_000);
      fleet = await startFleet({ hosts: 2 });
    });
    after(async () => {
      await fleet.stop();
    });

    it('runs a command through a gateway whose host names come from the file and from --var', async () => {
      const [gw, n] = fleet.hosts;
      if (gw === undefined || n === undefined) throw new Error('2 hosts expected');
      const file = scenario(GATEWAYED(gw.address));
      const r = await runCli('rxjobs', [
        'run',
        file,
        '--var',
        `target=${n.address}`,
        ...fleetArgs(fleet, { portOption: true }),
      ]);
      expect(r.code, r.stderr).to.equal(0);
      // the node's sshd sees the connection come from the loopback, through the gateway's tunnel
      expect(linesOf(r.stdout)).to.include(`n on ${n.address}:file ${n.address} from 127.0.0.1`);
      expect(await noSessionsLeft(fleet)).to.equal(true);
    });
  });
});
