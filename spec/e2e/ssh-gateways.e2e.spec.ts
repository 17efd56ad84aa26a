import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';

import type { CommandEvent } from '../../lib/nodes/command-event.js';
import { stdout } from '../../lib/nodes/operators.js';
import { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import { eventually } from '../helpers/eventually.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { sshdConnections, startFleet } from '../helpers/sshd.js';

const out = (node: SshNode, command: string): Promise<string[]> =>
  lastValueFrom(node.exec(command).pipe(stdout(), toArray()));
const events = (node: SshNode, command: string): Promise<CommandEvent[]> =>
  lastValueFrom(node.exec(command).pipe(toArray()));

// the address the command's sshd was reached on: which host of the fleet ran it
const WHERE = `echo "$SSH_CONNECTION" | cut -d' ' -f3`;

const run = promisify(execFile);

/** ESTABLISHED connections that the sshd of one host (`address:port`) accepted, counted with `ss`. */
const connectionsTo = async (address: string, port: number): Promise<number> => {
  const { stdout: table } = await run('ss', ['-Htn', 'state', 'established', `( sport = :${String(port)} )`]);
  return table.split('\n').filter((line) => line.trim().split(/\s+/)[2] === `${address}:${String(port)}`)
    .length;
};

describe('SshNode gateways (real sshd)', function () {
  this.timeout(30_000);
  let fleet: Fleet;
  let baseline: number;
  const open = (): Promise<number> => sshdConnections(fleet);
  const backToBaseline = (): Promise<boolean> => eventually(async () => (await open()) === baseline);

  before(async () => {
    fleet = await startFleet({ hosts: 6 });
  });
  after(() => fleet.stop());
  beforeEach(async () => {
    baseline = await open();
  });
  afterEach(async () => {
    expect(await backToBaseline(), 'connections left open').to.equal(true);
  });

  it('2 hops: client -> gw 127.0.0.2 -> node 127.0.0.3, one connection per hop', async () => {
    const gw = fleetNode(fleet, 0);
    const node = fleetNode(fleet, 1, { gateway: gw });
    expect(await out(node, WHERE)).to.deep.equal(['127.0.0.3']);
    expect(await open()).to.equal(baseline + 2);
    expect(node.toString()).to.match(/^.*127\.0\.0\.2.* -> .*127\.0\.0\.3/);
    await node.close();
    expect(await backToBaseline()).to.equal(true);
  });

  it('3 hops: gw1 -> gw2 -> node, one connection per hop, all closed by the node', async () => {
    const gw1 = fleetNode(fleet, 0);
    const gw2 = fleetNode(fleet, 1, { gateway: gw1 });
    const node = fleetNode(fleet, 2, { gateway: gw2 });
    expect(await out(node, WHERE)).to.deep.equal(['127.0.0.4']);
    expect(await open()).to.equal(baseline + 3);
    await node.close(); // resolves once the whole chain is closed
    expect(await open()).to.equal(baseline);
  });

  it('one shared gateway, 3 nodes behind it: 1 + 3 connections, then all closed', async () => {
    const gw = fleetNode(fleet, 0);
    const nodes = [1, 2, 3].map((i) => fleetNode(fleet, i, { gateway: gw }));
    // many commands at once on every node: still one connection per node and one for the gateway
    const outputs = await Promise.all(
      nodes.flatMap((node, i) => [1, 2, 3].map(() => out(node, `echo ${String(i)}; ${WHERE}`))),
    );
    expect(outputs.map((o) => o.join(' '))).to.deep.equal(
      [0, 0, 0, 1, 1, 1, 2, 2, 2].map((i) => `${String(i)} 127.0.0.${String(i + 3)}`),
    );
    expect(await open()).to.equal(baseline + 1 + 3);
    await nodes[0]?.close();
    await nodes[1]?.close();
    expect(await eventually(async () => (await open()) === baseline + 2)).to.equal(true);
    // the remaining node still works through the gateway
    expect(await out(nodes[2] as SshNode, 'echo still')).to.deep.equal(['still']);
    await nodes[2]?.close();
    expect(await backToBaseline()).to.equal(true);
  });

  it('a burst of 40 nodes behind one gateway: every handshake succeeds, one connection to the gateway', async function () {
    this.timeout(20_000);
    const gwHost = fleet.hosts[0];
    if (gwHost === undefined) throw new Error('no gateway host');
    const gwBaseline = await connectionsTo(gwHost.address, fleet.port);
    const gw = fleetNode(fleet, 0);
    // 8 nodes on each of the 5 other hosts, none on the gateway's own address (so that every connection to
    // it is one of ours); one attempt each: a handshake dropped under the fleet's default MaxStartups
    // (10:30:100) fails the test instead of being retried
    const nodes = Array.from({ length: 40 }, (_, i) =>
      fleetNode(fleet, 1 + (i % 5), { gateway: gw, connectAttempts: 1, label: `n${String(i)}` }),
    );
    const outputs = await Promise.all(nodes.map((node, i) => out(node, `echo ${String(i)}; ${WHERE}`)));
    expect(outputs).to.deep.equal(nodes.map((_, i) => [String(i), `127.0.0.${String(3 + (i % 5))}`]));
    expect(await connectionsTo(gwHost.address, fleet.port), 'connections to the gateway').to.equal(
      gwBaseline + 1,
    );
    expect(await open()).to.equal(baseline + 1 + 40);
    await Promise.all(nodes.map((node) => node.close()));
    expect(await backToBaseline()).to.equal(true);
    expect(await connectionsTo(gwHost.address, fleet.port)).to.equal(gwBaseline);
  });

  it('closes the remotest first: gateways closed while a node behind runs a command wait for it', async () => {
    const gw1 = fleetNode(fleet, 0);
    const gw2 = fleetNode(fleet, 1, { gateway: gw1 });
    const node = fleetNode(fleet, 2, { gateway: gw2 });
    const running = out(node, 'sleep 0.5; echo survived');
    expect(await eventually(async () => (await open()) === baseline + 3)).to.equal(true);
    await Promise.all([gw1.close(), gw2.close()]); // asked first, done last
    expect(await open()).to.equal(baseline + 3);
    expect(await running).to.deep.equal(['survived']);
    expect(await open()).to.equal(baseline + 3);
    await node.close(); // resolves once the whole chain is closed
    expect(await open()).to.equal(baseline);
  });

  it('a gateway closed while a node behind it is still connecting waits for it', async () => {
    const gw = fleetNode(fleet, 0);
    const node = fleetNode(fleet, 1, { gateway: gw });
    const result = out(node, 'echo reached');
    await gw.close(); // the node is still resolving its options or in the handshake
    expect(await result).to.deep.equal(['reached']);
    expect(await open()).to.equal(baseline + 2);
    await node.close();
    expect(await open()).to.equal(baseline);
  });

  it('a gateway used by commands of its own stays open, and its close() closes it', async () => {
    const gw = fleetNode(fleet, 0);
    const node = fleetNode(fleet, 1, { gateway: gw });
    expect(await out(gw, 'echo gw')).to.deep.equal(['gw']);
    expect(await out(node, 'echo node')).to.deep.equal(['node']);
    expect(await open()).to.equal(baseline + 2);
    await node.close();
    expect(await eventually(async () => (await open()) === baseline + 1)).to.equal(true);
    expect(await out(gw, 'echo gw again')).to.deep.equal(['gw again']);
    await gw.close();
    expect(await backToBaseline()).to.equal(true);
  });

  it('reopens the chain for a node used again after close()', async () => {
    const gw = fleetNode(fleet, 0);
    const node = fleetNode(fleet, 1, { gateway: gw });
    expect(await out(node, 'echo 1')).to.deep.equal(['1']);
    await node.close();
    expect(await backToBaseline()).to.equal(true);
    expect(await out(node, 'echo 2')).to.deep.equal(['2']);
    expect(await open()).to.equal(baseline + 2);
    await node.close();
  });

  it('reports a node the gateway cannot reach, naming the node, and closes the gateway', async () => {
    const gw = fleetNode(fleet, 0);
    const node = fleetNode(fleet, 1, { gateway: gw, port: 1, connectAttempts: 1 });
    const e = await lastValueFrom(node.exec('true')).then(
      () => expect.fail('connected'),
      (error: unknown) => error as Error,
    );
    expect(e.name).to.equal('SshConnectError');
    expect(e.message).to.contain('127.0.0.3:1').and.contain('gateway');
    await node.close();
  });

  describe('ProxyJump from an ssh config file', () => {
    let dir: string;
    let config: string;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-jump-'));
      config = path.join(dir, 'config');
      const common = [
        `  User ${fleet.user}`,
        `  Port ${String(fleet.port)}`,
        `  IdentityFile ${fleet.clientKey}`,
        `  UserKnownHostsFile ${fleet.knownHosts}`,
        '  StrictHostKeyChecking yes',
      ];
      await writeFile(
        config,
        [
          'Host target',
          '  HostName 127.0.0.5',
          `  ProxyJump ${fleet.user}@127.0.0.2:${String(fleet.port)}`,
          ...common,
          'Host other',
          '  HostName 127.0.0.6',
          `  ProxyJump ${fleet.user}@127.0.0.2:${String(fleet.port)}`,
          ...common,
          'Host 127.0.0.2',
          ...common,
          '',
        ].join('\n'),
      );
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('connects through the jump host, with everything else from the config', async () => {
      const node = new SshNode({ hostname: 'target', sshConfig: config, agent: false });
      expect(await out(node, `echo "$USER"; ${WHERE}`)).to.deep.equal([fleet.user, '127.0.0.5']);
      expect(await open()).to.equal(baseline + 2);
      await node.close();
    });

    it('shares one jump connection between nodes with the same ProxyJump', async () => {
      const a = new SshNode({ hostname: 'target', sshConfig: config, agent: false });
      const b = new SshNode({ hostname: 'other', sshConfig: config, agent: false });
      const c = new SshNode({ hostname: 'target', sshConfig: config, agent: false });
      const seen = await Promise.all([a, b, c].map((n) => events(n, 'hostname')));
      expect(seen.map((e) => e.at(-1)?.type)).to.deep.equal(['exit', 'exit', 'exit']);
      expect(await open()).to.equal(baseline + 1 + 3);
      await Promise.all([a.close(), b.close(), c.close()]);
    });

    it('connects directly with gateway: null, whatever ProxyJump says (as ssh -J none)', async () => {
      const node = new SshNode({ hostname: 'target', sshConfig: config, agent: false, gateway: null });
      expect(node.gateway).to.equal(undefined);
      expect(await out(node, WHERE)).to.deep.equal(['127.0.0.5']);
      expect(await open(), 'one connection: no jump host').to.equal(baseline + 1);
      await node.close();
    });
  });
});

describe('the handshake ramp against a server at its MaxStartups (real sshd)', function () {
  this.timeout(60_000);
  const LIMIT = 4;
  let fleet: Fleet;

  // sshd counts a connection until its monitor takes over from the pre-authentication child, a little after
  // the client reads USERAUTH_SUCCESS: a ramp as wide as MaxStartups that freed its slot then sent the next
  // handshake in while sshd still counted the last one, and about 1 in 6 were dropped
  before(async () => {
    fleet = await startFleet({ hosts: 6, maxStartups: String(LIMIT) });
  });
  after(() => fleet.stop());

  const burst = async (nodes: SshNode[]): Promise<PromiseSettledResult<string[]>[]> => {
    try {
      return await Promise.allSettled(nodes.map((node) => out(node, WHERE)));
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  };
  const failures = (results: PromiseSettledResult<string[]>[]): string[] =>
    results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));

  it('40 nodes behind one gateway, one attempt each: none dropped', async () => {
    for (let round = 0; round < 3; round++) {
      const gw = fleetNode(fleet, 0, { maxStartups: LIMIT });
      const nodes = Array.from({ length: 40 }, (_, i) =>
        fleetNode(fleet, 1 + (i % 5), { gateway: gw, connectAttempts: 1, maxStartups: LIMIT }),
      );
      expect(failures(await burst(nodes)), `round ${String(round + 1)}`).to.deep.equal([]);
    }
  });

  it('30 nodes on one server, one attempt each: none dropped', async () => {
    const nodes = Array.from({ length: 30 }, () =>
      fleetNode(fleet, 1, { connectAttempts: 1, maxStartups: LIMIT }),
    );
    const results = await burst(nodes);
    expect(failures(results)).to.deep.equal([]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.join() : ''))).to.deep.equal(
      nodes.map(() => '127.0.0.3'),
    );
  });
});
