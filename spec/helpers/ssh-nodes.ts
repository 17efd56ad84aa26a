import type { SshNodeOptions } from '../../lib/nodes/ssh/ssh-node.js';
import { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import type { Fleet } from './sshd.js';

/**
 * The options of an SshNode for host `index` of a fleet: its client key, its known_hosts (strict), no ssh
 * config, no agent: nothing of the user's ~/.ssh is read. Plain data, so a child process can take them.
 */
export const fleetNodeOptions = (fleet: Fleet, index = 0) => {
  const host = fleet.hosts[index];
  if (host === undefined) throw new Error(`the fleet has no host ${String(index)}`);
  return {
    hostname: host.address,
    port: host.port,
    username: fleet.user,
    keys: [fleet.clientKey],
    agent: false,
    knownHosts: fleet.knownHosts,
    hostKeyPolicy: 'strict',
    sshConfig: false,
  } as const satisfies SshNodeOptions;
};

/**
 * An SshNode for host `index` of a fleet, with {@link fleetNodeOptions}. Its connection lingers a minute once
 * unused (not 500 ms): tests count connections after their commands end, and close them with close() or a
 * scheduler's shutdown; the tests of the linger itself set their own.
 */
export const fleetNode = (fleet: Fleet, index = 0, options: Partial<SshNodeOptions> = {}): SshNode =>
  new SshNode({ ...fleetNodeOptions(fleet, index), connectTimeout: 5000, linger: 60_000, ...options });
