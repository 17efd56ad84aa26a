// A server that is not OpenSSH (ssh2's own Server, on loopback): it announces no host keys after login, so
// the handshake ramp must free its slots on its own timer, or a burst to it would wait forever.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';
import ssh2 from 'ssh2';

import { stdout } from '../../lib/nodes/operators.js';
import { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import { ed25519PrivateKey } from '../helpers/test-keys.js';

const { Server } = ssh2;

describe('SshNode against a server that is not OpenSSH (ssh2 Server)', function () {
  this.timeout(20_000);
  let dir: string;
  let server: InstanceType<typeof Server>;
  let port: number;
  let key: string;
  const logins: number[] = []; // when each login succeeded (ms)
  let running = 0;
  let mostAtOnce = 0; // handshakes in progress at once, as the server saw them

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-other-server-'));
    key = path.join(dir, 'client_key');
    await writeFile(key, ed25519PrivateKey(), { mode: 0o600 });
    const hostKey = ed25519PrivateKey();
    server = new Server({ hostKeys: [hostKey], ident: 'NotOpenSSH_1.0' }, (client) => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      let counted = true;
      const done = (): void => {
        if (counted) running--;
        counted = false;
      };
      client.on('authentication', (ctx) => {
        if (ctx.method !== 'publickey') {
          ctx.reject(['publickey']);
          return;
        }
        ctx.accept();
      });
      client.on('ready', () => {
        logins.push(performance.now());
        done();
        client.on('session', (accept) => {
          accept().on('exec', (acceptExec, _reject, info) => {
            const channel = acceptExec();
            channel.write(info.command.endsWith('echo hi') ? 'hi\n' : '?\n');
            channel.exit(0);
            channel.end();
          });
        });
      });
      client.on('close', done);
      client.on('error', done);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
    await rm(dir, { recursive: true, force: true });
  });

  it('a burst of 6 nodes with maxStartups 2: every one connects, 2 handshakes at most at once', async () => {
    const nodes = Array.from(
      { length: 6 },
      (_, i) =>
        new SshNode({
          hostname: '127.0.0.1',
          port,
          username: 'any',
          keys: [key],
          agent: false,
          sshConfig: false,
          hostKeyPolicy: 'off',
          maxStartups: 2,
          connectAttempts: 1,
          label: `n${String(i)}`,
        }),
    );
    try {
      const outputs = await Promise.all(
        nodes.map((node) => lastValueFrom(node.exec('echo hi').pipe(stdout(), toArray()))),
      );
      expect(outputs).to.deep.equal(nodes.map(() => ['hi']));
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
    expect(mostAtOnce).to.equal(2);
    // no host-key announcement: each slot is freed about 100 ms after its login, not at once, not never
    const sorted = [...logins].sort((a, b) => a - b);
    const third = sorted[2] ?? 0;
    const first = sorted[0] ?? 0;
    expect(third - first, 'the third login waited for a freed slot').to.be.greaterThan(90);
  });
});
