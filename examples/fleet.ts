// Example: a testbed experiment in three stages, on a group of nodes. "prepare" runs on every node of the
// group, and one node fails it: maxFailures tolerates that failure, so the experiment goes on without that
// node. "pairs" runs a matrix of sender × receiver (sender != receiver, one pair at a time) over the
// prepared nodes, and "collect" gathers a file from every node: its member on the failed node is skipped
// (skipFailedMembers), as Ansible drops a failed host. The nodes are LocalNodes with labels of their own
// (node1...node5): on a testbed, NodeGroup.fromHosts('fit[01-37]', { username: 'root', gateway: ... }) makes
// SshNodes instead, and nothing else changes.
// Run: npx tsx examples/fleet.ts   (exit code 1 and a MISMATCH line when the behaviour differs)
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { GroupJob, LocalNode, MatrixJob, NodeGroup, Scheduler, SshJob } from '../lib/index.js';
import { makeChecker } from './helpers.js';

const check = makeChecker('fleet');
const dir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-example-fleet-'));
const nodes = NodeGroup.of([1, 2, 3, 4, 5].map((i) => new LocalNode({ label: `node${String(i)}` })));
try {
  // node5 cannot be prepared: one failure of five is tolerated
  const prepare = new GroupJob(
    nodes,
    (node) => (node.label === 'node5' ? 'echo no space left >&2; exit 1' : `mkdir -p ${dir}/${node.label}`),
    { label: 'prepare', maxFailures: 1, memberTimeout: 5_000 },
  );
  // a matrix over the first three nodes: each sender "sends" to each other receiver
  const senders = NodeGroup.of(nodes.nodes.slice(0, 3));
  const pairs = new MatrixJob(
    { sender: senders, receiver: senders },
    (i) =>
      new SshJob(
        i.node('sender'),
        `echo ${i.vars['receiver'] ?? ''} >> ${dir}/${i.vars['instance'] ?? ''}.log`,
      ),
    { label: 'pairs', where: 'sender != receiver', jobsWindow: 1, maxFailures: '50%', requires: prepare },
  );
  const collect = new GroupJob(nodes, (node) => `touch ${dir}/${node.label}/collected`, {
    label: 'collect',
    requires: [prepare, pairs],
  });

  const experiment = new Scheduler([prepare, pairs, collect], { label: 'experiment' });
  const ok = await experiment.orchestrate();
  console.log(`orchestrate: ${String(ok)}: ${experiment.why()}`);
  for (const group of [prepare, collect]) console.log(group.summary().text);
  console.log(experiment.list());

  check(ok, 'the run should end fine: the one failure is within maxFailures');
  check(
    prepare.summary().text === 'prepare node[1-5]: 4 done, 1 failed (node5, tolerated)',
    `prepare's summary: ${prepare.summary().text}`,
  );
  check(
    collect.summary().text === 'collect node[1-5]: 4 done, 1 skipped',
    `collect should skip node5: ${collect.summary().text}`,
  );
  check(
    collect.member('node5')?.status === 'skipped',
    `collect@node5 should be skipped, is ${String(collect.member('node5')?.status)}`,
  );
  const logs = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
  check(
    logs.join() ===
      ['node1-node2', 'node1-node3', 'node2-node1', 'node2-node3', 'node3-node1', 'node3-node2']
        .map((l) => `${l}.log`)
        .join(),
    `each of the 6 pairs should write its own log, got ${logs.join(' ')}`,
  );
} finally {
  await nodes.close();
  await rm(dir, { recursive: true, force: true });
}
