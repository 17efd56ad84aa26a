import { execFile } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import { expect } from 'chai';
import { lastValueFrom } from 'rxjs';

import { exitStatus } from '../../lib/nodes/operators.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { startFleet } from '../helpers/sshd.js';

const run = promisify(execFile);

// each key type is signed by the in-process agent (key-agent.ts): sshd must accept its signatures
describe('SshNode key types (real sshd)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  const kinds = {
    'ecdsa-256': ['-t', 'ecdsa', '-b', '256'],
    'ecdsa-384': ['-t', 'ecdsa', '-b', '384'],
    'ecdsa-521': ['-t', 'ecdsa', '-b', '521'],
    rsa: ['-t', 'rsa', '-b', '2048'],
  };

  before(async () => {
    fleet = await startFleet();
    for (const [name, args] of Object.entries(kinds)) {
      const file = path.join(fleet.dir, `client_${name}`);
      await run('ssh-keygen', ['-q', ...args, '-N', '', '-f', file]);
      await appendFile(path.join(fleet.dir, 'authorized_keys'), await readFile(`${file}.pub`, 'utf8'));
    }
  });
  after(async () => {
    await fleet.stop();
  });

  for (const name of ['ed25519', ...Object.keys(kinds)]) {
    it(`logs in with an ${name} key`, async () => {
      const key = name === 'ed25519' ? fleet.clientKey : path.join(fleet.dir, `client_${name}`);
      const node = fleetNode(fleet, 0, { keys: [key] });
      try {
        const exit = await lastValueFrom(node.exec('true').pipe(exitStatus()));
        expect(exit.code).to.equal(0);
      } finally {
        await node.close();
      }
    });
  }
});
