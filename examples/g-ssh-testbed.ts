// Example G: a small experiment on SSH nodes behind a gateway. Each node is prepared (a directory, a
// measurement script), then the measurement runs on every node in parallel (a window of 3), then each node's
// results are collected with Pull. (The loopback hosts are one machine: they share a results directory, in
// the testbed's own temporary directory, where each node writes a file of its own.) Output lines stream live, prefixed by host. The testbed is private:
// OpenSSH servers on loopback addresses (127.0.0.2 is the gateway, 127.0.0.3 and up the nodes), started and
// stopped by this script with the test suite's harness, so it needs `sshd` (bash scripts/install-deps.sh).
// Run: npx tsx examples/g-ssh-testbed.ts   (exit code 1 and a MISMATCH line when the behaviour differs)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { lastValueFrom } from 'rxjs';

import { Pull, Run, RunString, Scheduler, shellQuote, SshJob, SshNode, writeLines } from '../lib/index.js';
import { sshdConnections, startFleet } from '../spec/helpers/sshd.js';
import { makeChecker } from './helpers.js';

const check = makeChecker('g-ssh-testbed');
const NODES = 4;

// the measurement: a few samples of a fake metric, one CSV line each, also echoed to follow progress
const measure = `#!/bin/sh
host=$1; samples=$2
for i in $(seq "$samples"); do
  echo "$host,$i,$(( (i * 37 + \${#host}) % 100 ))" >> "$RESULTS/$host.csv"
  echo "sample $i of $samples"
done
`;

const fleet = await startFleet({ hosts: NODES + 1 });
const results = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-example-g-'));
const remote = `${fleet.home}/results`; // where the nodes write
try {
  // what every node shares: the testbed's user, port, key and known_hosts (nothing of ~/.ssh is used)
  const common = {
    username: fleet.user,
    port: fleet.port,
    keys: [fleet.clientKey],
    knownHosts: fleet.knownHosts,
    hostKeyPolicy: 'strict',
    sshConfig: false,
    agent: false,
  } as const;
  const [gatewayHost, ...nodeHosts] = fleet.hosts;
  if (gatewayHost === undefined) throw new Error('no host');
  const gateway = new SshNode({ hostname: gatewayHost.address, label: 'gateway', ...common });
  const nodes = nodeHosts.map(
    (host, i) => new SshNode({ hostname: host.address, label: `node${String(i + 1)}`, gateway, ...common }),
  );

  // prepare every node, then measure on all of them (at most 3 at once), then collect from every node
  const prepare = nodes.map(
    (node) =>
      new SshJob(
        node,
        [
          new Run(`mkdir -p ${shellQuote(remote)} && rm -f ${shellQuote(`${remote}/${node.label}.csv`)}`),
          'uname -s',
        ],
        {
          label: `prepare ${node.label}`,
        },
      ),
  );
  const measureAll = new Scheduler(
    nodes.map(
      (node) =>
        new SshJob(
          node,
          new RunString(measure, node.label, 3, { remoteName: 'measure.sh', env: { RESULTS: remote } }),
          {
            label: `measure ${node.label}`,
          },
        ),
    ),
    { label: 'measure', jobsWindow: 3 },
  );
  measureAll.requires(prepare);
  const collect = nodes.map(
    (node) =>
      new SshJob(node, new Pull(`${remote}/${node.label}.csv`, `${path.join(results, node.label)}/`), {
        label: `collect ${node.label}`,
        requires: measureAll,
      }),
  );
  const scheduler = new Scheduler([...prepare, measureAll, ...collect], {
    label: 'experiment',
    critical: true,
    timeout: 30_000,
  });

  // stream the run's output, host-prefixed, while it runs; the last event is the end of the run
  const end = await lastValueFrom(scheduler.run().pipe(writeLines()));
  console.log(scheduler.list());
  check(
    end.type === 'end' && end.ok,
    `the run should succeed; got ${JSON.stringify(end.type === 'end' ? end.why : end)}`,
  );

  for (const node of nodes) {
    const csv = await readFile(path.join(results, node.label, `${node.label}.csv`), 'utf8');
    const rows = csv.trim().split('\n');
    check(rows.length === 3, `${node.label}: 3 samples expected, got ${String(rows.length)}`);
    check(
      rows.every((row) => row.startsWith(`${node.label},`)),
      `${node.label}: every sample should name its node: ${csv}`,
    );
  }
  // the run's shutdown closed every connection, the gateway's included
  const open = await sshdConnections(fleet);
  check(open === 0, `every connection should be closed after the run, ${String(open)} still open`);
  console.log(`collected ${String(NODES)} result files into ${results}`);
} finally {
  await fleet.stop();
  await rm(results, { recursive: true, force: true });
}
