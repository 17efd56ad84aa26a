// Huge outputs over real sshd (issue 11 §4): a line over maxLineBytes comes in pieces with its exact bytes,
// and a held Flow stops the reading of the channel (stdout and stderr), SSH's window doing the rest.
import { createHash } from 'node:crypto';

import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';

import type { CommandEvent, LineEvent } from '../../lib/nodes/command-event.js';
import { continuesLine } from '../../lib/nodes/command-event.js';
import { Flow } from '../../lib/nodes/flow.js';
import type { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import { eventually } from '../helpers/eventually.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { startFleet } from '../helpers/sshd.js';

const MiB = 1024 * 1024;

describe('huge outputs over SSH (real sshd)', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  let node: SshNode;

  before(async function () {
    this.timeout(120_000);
    fleet = await startFleet({ hosts: 1 });
  });
  beforeEach(() => {
    node = fleetNode(fleet);
  });
  afterEach(async () => {
    await node.close();
  });
  after(async () => {
    await fleet.stop();
  });

  it('a 3 MB line of two-byte characters comes in pieces of at most 1 MiB, exact, no character cut', async () => {
    // 1.5 M times é (2 bytes each), then a newline, then a short line
    const command = `yes é | head -n 1572864 | tr -d '\\n'; echo; echo tail`;
    const events = await lastValueFrom(node.exec(command).pipe(toArray()));
    const out = events.filter((e): e is LineEvent => e.type === 'line' && e.stream === 'stdout');
    expect(out.length).to.equal(4); // 3 MiB in pieces of 1 MiB, then `tail`
    for (const e of out) {
      expect(e.bytes.length).to.be.at.most(MiB);
      expect(e.text).to.not.include('\uFFFD');
    }
    expect(out.map((e) => [continuesLine(e), e.newline])).to.deep.equal([
      [true, false],
      [true, false],
      [false, true],
      [false, true],
    ]);
    const line = Buffer.concat(out.slice(0, 3).map((e) => e.bytes));
    expect(line.equals(Buffer.from('é'.repeat(1572864)))).to.equal(true);
    expect(out[3]?.text).to.equal('tail');
  });

  it('a held Flow stops reading stdout and stderr; releasing it delivers every byte and the exit', async function () {
    const size = 16 * MiB;
    const flow = new Flow();
    const hash = { stdout: createHash('sha256'), stderr: createHash('sha256') };
    const received = { stdout: 0, stderr: 0 };
    let release: (() => void) | undefined;
    const events: CommandEvent[] = [];
    const command =
      `f=$(mktemp) && head -c ${String(size)} /dev/urandom >"$f" && ` +
      `cat "$f" && cat "$f" >&2 && sha256sum <"$f" >&2; rm -f "$f"`;
    const finished = new Promise<void>((resolve, reject) => {
      node.exec(command, { flow, output: 'chunks' }).subscribe({
        next: (e) => {
          events.push(e);
          if (e.type !== 'chunk') return;
          received[e.stream] += e.bytes.length;
          if (e.stream === 'stdout') hash.stdout.update(e.bytes);
          release ??= flow.hold(); // a consumer that stops draining after its first chunk
        },
        complete: resolve,
        error: reject,
      });
    });
    let last = -1;
    const stable = await eventually(
      () => {
        const total = received.stdout + received.stderr;
        const still = total === last && total > 0;
        last = total;
        return still;
      },
      20_000,
      400,
    );
    expect(stable, 'the bytes read kept growing while the flow was held').to.equal(true);
    // one SSH window (2 MiB) at most, plus what ssh2 had in hand
    expect(received.stdout + received.stderr).to.be.below(4 * MiB);
    expect(events.some((e) => e.type === 'exit')).to.equal(false);
    release?.();
    await finished;
    expect(received.stdout).to.equal(size);
    const stderr = Buffer.concat(
      events.flatMap((e) => (e.type === 'chunk' && e.stream === 'stderr' ? [e.bytes] : [])),
    );
    // stderr: the same bytes, then sha256sum's line
    expect(stderr.length).to.be.above(size);
    expect(stderr.subarray(size).toString()).to.equal(`${hash.stdout.digest('hex')}  -\n`);
    expect(events.at(-1)).to.include({ type: 'exit', code: 0 });
  });
});
