// Per-host files over real sshd with a Flow (issue 15): one host's file that nobody reads (a FIFO) stops that
// host's command alone, its output bounded by SSH's window, while the other hosts run to their end; once the
// FIFO is read, every byte of every host arrives, exact.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { expect } from 'chai';
import { lastValueFrom, merge, tap, toArray } from 'rxjs';

import { Flow } from '../../lib/nodes/flow.js';
import type { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import { writeHostFiles } from '../../lib/render/files/host-files.js';
import { eventually } from '../helpers/eventually.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { startFleet } from '../helpers/sshd.js';

const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('per-host files with a Flow over SSH (real sshd)', function () {
  this.timeout(90_000);
  let fleet: Fleet;
  let nodes: SshNode[] = [];
  let root = '';

  before(async function () {
    this.timeout(120_000);
    fleet = await startFleet({ hosts: 3 });
    root = await mkdtemp(join(tmpdir(), 'rxjobs-host-files-flow-'));
  });
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    nodes = [];
  });
  after(async () => {
    await fleet.stop();
    await rm(root, { recursive: true, force: true });
  });

  it("one host's file that nobody reads stops that host only: the others finish, then every byte arrives", async () => {
    const size = 16 * MiB;
    const data = randomBytes(size);
    const source = join(root, 'data.bin');
    writeFileSync(source, data);
    const dir = join(root, 'out');
    await mkdir(dir);
    nodes = [0, 1, 2].map((i) => fleetNode(fleet, i));
    const [slow, ...others] = nodes.map((n) => n.label);
    if (slow === undefined) throw new Error('no host');
    // the slow host's stdout file: a FIFO opened for reading (so that the writer's open succeeds) and not read
    const fifo = join(dir, slow);
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    /** Reads the FIFO to its end (the writer's close), the bytes hashed; EAGAIN: nothing yet, try again. */
    const drain = async (): Promise<string> => {
      const hash = createHash('sha256');
      const buffer = Buffer.alloc(256 * 1024);
      try {
        for (;;) {
          let n: number;
          try {
            n = readSync(reader, buffer);
          } catch (e: unknown) {
            if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
            await sleep(5);
            continue;
          }
          if (n === 0) return hash.digest('hex');
          hash.update(buffer.subarray(0, n));
        }
      } finally {
        closeSync(reader);
      }
    };

    let drained: Promise<string> | undefined;
    const flow = new Flow();
    const received = new Map<string, number>(nodes.map((n) => [n.label, 0]));
    const exited = new Set<string>();
    const run = lastValueFrom(
      merge(...nodes.map((n) => n.exec(`cat ${source}`, { flow, output: 'chunks' }))).pipe(
        writeHostFiles(dir, { flow, nodes }),
        tap((e) => {
          if (e.type === 'chunk')
            received.set(e.node.label, (received.get(e.node.label) ?? 0) + e.bytes.length);
          if (e.type === 'exit') exited.add(e.node.label);
        }),
        toArray(),
      ),
    );
    try {
      // the other hosts end while the FIFO is unread
      const othersDone = await eventually(() => others.every((l) => exited.has(l)), 60_000, 100);
      expect(
        othersDone,
        `the other hosts did not finish (received ${JSON.stringify([...received])})`,
      ).to.equal(true);
      for (const label of others) expect(sha256(readFileSync(join(dir, label)))).to.equal(sha256(data));
      // the slow host: its command still runs, what was read of it stays bounded and stops growing
      let last = -1;
      const stable = await eventually(
        () => {
          const now = received.get(slow) ?? 0;
          const still = now === last;
          last = now;
          return still;
        },
        20_000,
        400,
      );
      expect(stable, 'the slow host kept being read').to.equal(true);
      expect(exited.has(slow)).to.equal(false);
      expect(flow.forLabel(slow).held).to.equal(true);
      // the FIFO's 64 KiB, the file's buffer (1 MiB at most), a chunk, and what ssh2 had in hand
      expect(received.get(slow)).to.be.below(4 * MiB);
    } finally {
      drained = drain();
    }
    const slowHash = await drained;
    const events = await run;
    expect(events.flatMap((e) => (e.type === 'exit' ? [e.code] : []))).to.deep.equal([0, 0, 0]);
    expect(received.get(slow)).to.equal(size);
    expect(slowHash).to.equal(sha256(data));
  });
});
