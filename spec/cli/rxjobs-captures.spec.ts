// Capture scopes through the built rxjobs: a group member's capture is that host's, a matrix instance's is
// that instance's, in a run and in a resumed run (each restored capture back in its own scope).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { builtCliInScratchDir, fleetArgs, linesOf, runCli, useCliFleet } from '../helpers/cli.js';

describe('rxjobs run: captures by member and by instance (the built CLI)', function () {
  this.timeout(60_000);

  describe('a matrix on a local node', () => {
    let dir: string;
    builtCliInScratchDir('rxjobs-captures-', (d) => (dir = d));

    it('gives each instance its own capture, and a resumed instance the value it had', async () => {
      fs.writeFileSync(
        path.join(dir, 'cap.yaml'),
        `
nodes: [{ id: here, local: true }]
jobs:
  - id: m
    maxFailures: 3
    matrix: { x: [1, 2, 3] }
    jobs:
      - { id: p, node: here, commands: [{ type: Run, command: 'sleep 0.{{x}}; echo val{{x}}', capture: v }] }
      - { id: w, node: here, requires: p, commands: ['sleep 0.5'] }
      - { id: q, node: here, requires: w, commands: ['echo instance {{x}} sees {{v}}; test {{x}} != 2 -o -e flag'] }
`,
      );
      const sees = (stdout: string) => linesOf(stdout).filter((l) => l.includes(' sees '));
      const first = await runCli('rxjobs', ['run', 'cap.yaml'], { cwd: dir });
      expect(first.code, first.stderr).to.equal(0); // m[2] failed, tolerated
      expect(sees(first.stdout).sort()).to.deep.equal([
        'here:instance 1 sees val1',
        'here:instance 2 sees val2',
        'here:instance 3 sees val3',
      ]);
      fs.writeFileSync(path.join(dir, 'flag'), '');
      const second = await runCli('rxjobs', ['run', 'cap.yaml', '--resume'], { cwd: dir });
      expect(second.code, second.stderr).to.equal(0);
      expect(second.stderr).to.include('  m / m[2] / m[2].q  failed\n');
      expect(sees(second.stdout)).to.deep.equal(['here:instance 2 sees val2']);
    });
  });

  describe('a group of real sshd hosts', () => {
    const { fleet, dir } = useCliFleet(3, 'rxjobs-captures-fleet-');

    it("gives each member its own capture, read by the member's later jobs, and restored to it by --resume", async () => {
      const file = path.join(dir(), 'gc.yaml');
      // the captures end in the order .3, .2, .4: a shared variable would hold .4's
      fs.writeFileSync(
        file,
        `
nodes:
  - { id: here, local: true }
  - { id: fits, hostname: '127.0.0.[2-4]' }
jobs:
  - id: prepare
    node: fits
    commands:
      - { type: Run, command: 'set -- $SSH_CONNECTION; case $3 in *.2) sleep 0.2;; *.4) sleep 0.5;; esac; echo $3', capture: ip }
  - id: collect
    node: fits
    requires: prepare
    commands: ['set -- $SSH_CONNECTION; echo "$3 sees {{ip}}"; test ! -e ${dir()}/broken-$3']
  - { id: top, node: here, requires: collect, commands: [{ type: Run, command: 'echo global', capture: g }] }
  - { id: last, node: fits, requires: top, commands: ['echo "{{g}} and {{ip}}"'] }
`,
      );
      const args = ['run', file, ...fleetArgs(fleet(), { portOption: true })];
      const sees = (stdout: string) => linesOf(stdout).filter((l) => / sees |global and/.test(l));
      fs.writeFileSync(path.join(dir(), 'broken-127.0.0.3'), '');
      const first = await runCli('rxjobs', args);
      expect(first.code).to.equal(1);
      expect(sees(first.stdout)).to.include('127.0.0.3:127.0.0.3 sees 127.0.0.3');
      for (const line of sees(first.stdout).filter((l) => l.includes(' sees ')))
        expect(line).to.match(/^(\S+):\1 sees \1$/);
      fs.rmSync(path.join(dir(), 'broken-127.0.0.3'));
      const second = await runCli('rxjobs', [...args, '--resume']);
      expect(second.code, second.stderr).to.equal(0);
      expect(second.stderr).to.include('  collect / collect@127.0.0.3  failed\n');
      const lines = sees(second.stdout);
      expect(lines).to.include('127.0.0.3:127.0.0.3 sees 127.0.0.3');
      for (const line of lines.filter((l) => l.includes(' sees ')))
        expect(line).to.match(/^(\S+):\1 sees \1$/);
      expect(lines.filter((l) => l.includes('global and')).sort()).to.deep.equal([
        '127.0.0.2:global and 127.0.0.2',
        '127.0.0.3:global and 127.0.0.3',
        '127.0.0.4:global and 127.0.0.4',
      ]);
    });
  });
});
