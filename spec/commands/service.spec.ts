import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';

import { Service } from '../../lib/commands/service.js';
import { Variables } from '../../lib/commands/variables.js';
import { isJobsError } from '../../lib/errors/jobs-error.js';
import type { CommandEvent } from '../../lib/nodes/command-event.js';
import { LocalNode } from '../../lib/nodes/local/local-node.js';
import type { Node } from '../../lib/nodes/node.js';
import { thrown } from '../helpers/errors.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { remoteProcesses, startFleet } from '../helpers/sshd.js';

const runOn = async (
  node: Node,
  command: ReturnType<Service['start']>,
): Promise<{ out: string[]; code: number | null }> => {
  const events: CommandEvent[] = await lastValueFrom(
    command.run(node, { variables: new Variables() }).pipe(toArray()),
  );
  const out = events.flatMap((e) => (e.type === 'line' ? [e.text] : []));
  const exit = events.at(-1);
  return { out, code: exit?.type === 'exit' ? exit.code : null };
};

describe('Service (portable way, on a LocalNode)', function () {
  this.timeout(20_000);
  let home: string;
  let node: LocalNode;
  const saved = process.env['HOME'];

  before(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-service-'));
    process.env['HOME'] = home; // the state dir lives under $HOME
    node = new LocalNode();
  });
  after(async () => {
    process.env['HOME'] = saved;
    await node.close();
    await rm(home, { recursive: true, force: true });
  });

  it('starts a background process that outlives its command, reports it, shows its output, stops it', async () => {
    const marker = `${String(Date.now() % 1e6)}.4242`;
    const service = new Service(`echo "hello $WHO"; exec sleep ${marker}`, {
      serviceId: 'sleeper',
      env: { WHO: 'service' },
      systemd: false,
    });
    expect((await runOn(node, service.start())).code).to.equal(0);
    expect(await remoteProcesses(`sleep ${marker}`)).to.have.length(1);
    expect(await runOn(node, service.status())).to.deep.equal({ out: ['active'], code: 0 });
    await new Promise((r) => setTimeout(r, 50));
    expect((await runOn(node, service.logs())).out).to.deep.equal(['hello service']);
    // starting again replaces the running instance
    expect((await runOn(node, service.start())).code).to.equal(0);
    expect(await remoteProcesses(`sleep ${marker}`)).to.have.length(1);
    expect((await runOn(node, service.stop())).code).to.equal(0);
    expect(await remoteProcesses(`sleep ${marker}`)).to.deep.equal([]);
    expect(await runOn(node, service.status())).to.deep.equal({ out: ['inactive'], code: 3 });
    // stopping a stopped service is fine
    expect((await runOn(node, service.stop())).code).to.equal(0);
  });

  it('kills the whole process group, and KILLs a process that ignores TERM', async () => {
    const marker = `${String(Date.now() % 1e6)}.4343`;
    const service = new Service(`trap '' TERM; sleep ${marker} & sleep ${marker}`, {
      serviceId: 'stubborn',
      systemd: false,
    });
    await runOn(node, service.start());
    expect((await remoteProcesses(`sleep ${marker}`)).length).to.be.above(0);
    await runOn(node, service.stop());
    expect(await remoteProcesses(`sleep ${marker}`)).to.deep.equal([]);
  });

  it('refuses a service id that is not a plain name', () => {
    const e = thrown(() => new Service('x', { serviceId: 'a b; rm -rf /' }));
    expect(isJobsError(e, 'config')).to.equal(true);
    expect((e as Error).message).to.contain('serviceId');
  });

  it('labels its commands', () => {
    const service = new Service('x', { serviceId: 'web' });
    expect([
      service.start().label,
      service.stop().label,
      service.status().label,
      service.logs().label,
    ]).to.deep.equal(['Service: start web', 'Service: stop web', 'Service: status web', 'Service: logs web']);
  });
});

describe('Service over SSH (real sshd, no systemd here: the portable way, chosen by auto)', function () {
  this.timeout(30_000);
  let fleet: Fleet;

  before(async () => {
    fleet = await startFleet();
  });
  after(() => fleet.stop());

  it('outlives the command that started it and the connection, is seen and stopped from a new connection', async () => {
    const marker = `${String(Date.now() % 1e6)}.4545`;
    const service = new Service(`echo "up on $WHO"; exec sleep ${marker}`, {
      serviceId: 'ssh-sleeper',
      env: { WHO: 'ssh' },
    });
    const first = fleetNode(fleet, 0);
    expect((await runOn(first, service.start())).code).to.equal(0);
    await first.close(); // the session and the connection end: the service goes on
    await new Promise((r) => setTimeout(r, 200));
    expect(await remoteProcesses(`sleep ${marker}`)).to.have.length(1);

    const second = fleetNode(fleet, 0);
    try {
      expect(await runOn(second, service.status())).to.deep.equal({ out: ['active'], code: 0 });
      expect((await runOn(second, service.logs())).out).to.deep.equal(['up on ssh']);
      expect((await runOn(second, service.stop())).code).to.equal(0);
      expect(await remoteProcesses(`sleep ${marker}`)).to.deep.equal([]);
      expect(await runOn(second, service.status())).to.deep.equal({ out: ['inactive'], code: 3 });
    } finally {
      await second.close();
    }
  });
});
