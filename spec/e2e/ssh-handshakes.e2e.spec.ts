/**
 * Handshakes at once in one process, over every server: at most 64 direct ones are in progress, the others
 * wait their turn before their connect timeout starts. Seen from a server that accepts and never answers.
 */
import * as net from 'node:net';

import { expect } from 'chai';
import { lastValueFrom } from 'rxjs';

import { SshNode, type SshNodeOptions } from '../../lib/nodes/ssh/ssh-node.js';

const NODES = 100;
const AT_ONCE = 64;

describe('SSH handshakes at once in one process (real sockets)', function () {
  this.timeout(30_000);
  let server: net.Server;
  let port: number;
  let open = 0;
  let peak = 0;
  let accepted = 0;
  const sockets = new Set<net.Socket>();

  before(async () => {
    server = net.createServer((socket) => {
      accepted++;
      open++;
      peak = Math.max(peak, open);
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        open--;
        sockets.delete(socket);
      });
      socket.resume(); // never a banner: each attempt ends on its connect timeout
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it(`keeps at most ${String(AT_ONCE)} in progress, whatever the per-server ramp allows; the rest wait their turn`, async () => {
    const nodes = Array.from(
      { length: NODES },
      () =>
        new SshNode({
          hostname: '127.0.0.1',
          port,
          username: 'nobody',
          password: 'unused', // never asked: the server never answers
          agent: false,
          sshConfig: false,
          hostKeyPolicy: 'off',
          connectTimeout: 1000,
          connectAttempts: 1,
          maxStartups: 1000, // the per-server ramp lets them all in
        }),
    );
    try {
      const started = performance.now();
      const errors = await Promise.all(
        nodes.map((node) =>
          lastValueFrom(node.exec('true')).then(
            () => undefined,
            (e: unknown) => e,
          ),
        ),
      );
      const elapsed = performance.now() - started;
      // every one timed out on its own 1 s, none waiting in line for it
      expect(
        errors
          .map((e) => (e instanceof Error ? e.message : String(e)))
          .filter((m) => !/no SSH handshake/.test(m))
          .slice(0, 2),
      ).to.deep.equal([]);
      expect(accepted).to.equal(NODES);
      // seen from the server, a closed socket may close there just after the next one is accepted
      expect(peak).to.be.within(AT_ONCE, AT_ONCE + 8);
      // two turns of 1 s: the 36 that waited had their full timeout after the first 64 gave up
      expect(elapsed).to.be.within(1900, 6000);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });
  it('a node closed while it waits for its turn stops waiting at once', async () => {
    const options: SshNodeOptions = {
      hostname: '127.0.0.1',
      port,
      username: 'nobody',
      password: 'unused',
      agent: false,
      sshConfig: false,
      hostKeyPolicy: 'off',
      connectTimeout: 3000,
      connectAttempts: 1,
      maxStartups: 1000,
    };
    const busy = Array.from({ length: AT_ONCE }, () => new SshNode(options));
    const waiting = new SshNode(options);
    try {
      const busyDone = busy.map((node) => lastValueFrom(node.exec('true')).catch(() => undefined));
      // the 64 slots taken (each attempt waits 3 s for a banner), then one more node in line
      await new Promise((resolve) => setTimeout(resolve, 300));
      const failed = lastValueFrom(waiting.exec('true')).then(
        () => 'completed',
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      await waiting.close();
      const closedIn = performance.now() - started;
      expect(await failed).to.match(/clos/);
      // not after a slot freed (3 s): at once
      expect(closedIn).to.be.below(1500);
      await Promise.all(busyDone);
    } finally {
      await Promise.all([...busy, waiting].map((n) => n.close()));
    }
  });
});
