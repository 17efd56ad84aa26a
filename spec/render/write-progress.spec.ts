// writeProgress() and orchestrate({ verbose }): a run told on a terminal.
import { Writable } from 'node:stream';

import { expect } from 'chai';
import { lastValueFrom, NEVER, toArray } from 'rxjs';

import { Job, LocalNode, Run, Scheduler, SshJob, writeProgress } from '../../lib/index.js';

/** A memory Writable; `text()` is everything written, `writes` the number of write() calls. */
class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    callback();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

describe('writeProgress and orchestrate({ verbose })', () => {
  let node: LocalNode;
  beforeEach(() => {
    node = new LocalNode({ label: 'here' });
  });
  afterEach(async () => {
    await node.close();
  });

  /** prepare (ok, prints), run2 (fails, not critical), collect (skipped), a forever monitor. */
  const experiment = (): Scheduler => {
    const prepare = new SshJob(node, [new Run('echo ready; echo warn >&2')], { label: 'prepare' });
    const run1 = new Job(() => Promise.resolve(42), { label: 'run1', requires: prepare });
    const run2 = new SshJob(node, 'exit 3', { label: 'run2', requires: prepare, critical: false });
    const collect = new Job(() => Promise.resolve('x'), {
      label: 'collect',
      requires: [run1, run2],
      runIf: 'all-success',
    });
    const monitor = new Job(() => NEVER, { label: 'monitor', forever: true });
    return new Scheduler([prepare, run1, run2, collect, monitor], { label: 'main' });
  };

  it('prints progress, output lines and, at the end, the failures in words', async () => {
    const out = new Sink();
    const err = new Sink();
    const ok = await experiment().orchestrate({ verbose: writeProgress({ stdout: out, stderr: err }) });
    expect(ok).to.equal(true);
    const lines = out.text().split('\n');
    expect(lines).to.include.members([
      '-- prepare: started',
      'here:ready',
      '-- prepare: done',
      '-- run1: started',
      '-- run1: done -> 42',
      '-- run2: started',
      '-- collect: skipped (run2 did not succeed)',
      '-- monitor: stopped (forever job)',
      '== main: ok (fine: every job completed (1 failed, not critical; 1 skipped))',
      '== 2 job(s) did not succeed:',
    ]);
    expect(lines.indexOf('-- prepare: started')).to.be.below(lines.indexOf('here:ready'));
    expect(lines.indexOf('here:ready')).to.be.below(lines.indexOf('-- prepare: done'));
    expect(lines.find((l) => l.startsWith('-- run2: FAILED'))).to.match(
      /^-- run2: FAILED: .*failed \(exit 3\)$/,
    );
    expect(lines.find((l) => l.startsWith('   run2 '))).to.match(/^ {3}run2 +exit 3 +.*exit 3/);
    expect(lines.find((l) => l.startsWith('   collect '))).to.match(/^ {3}collect +skipped +not run: run2/);
    expect(err.text()).to.equal('here:warn\n');
  });

  it('says that the run failed, and which critical job made it fail', async () => {
    const out = new Sink();
    const boom = new SshJob(node, 'echo oops >&2; exit 4', { label: 'boom' });
    const ok = await new Scheduler([boom], { label: 'main' }).orchestrate({
      verbose: writeProgress({ stdout: out, stderr: new Sink() }),
    });
    expect(ok).to.equal(false);
    const lines = out.text().split('\n');
    expect(lines.find((l) => l.startsWith('-- boom: FAILED (critical): '))).to.match(/failed \(exit 4\)$/);
    expect(lines.find((l) => l.startsWith('== main: FAILED (critical job "boom" failed:'))).to.not.equal(
      undefined,
    );
    expect(lines.find((l) => l.startsWith('   boom  exit 4'))).to.not.equal(undefined);
  });

  it('passes every event on, as run() gives them', async () => {
    const main = experiment();
    const plain = (await lastValueFrom(main.run().pipe(toArray()))).map((e) => e.type);
    const shown = (
      await lastValueFrom(
        main.run().pipe(writeProgress({ stdout: new Sink(), stderr: new Sink() }), toArray()),
      )
    ).map((e) => e.type);
    expect(shown).to.deep.equal(plain);
  });

  it('verbose: true writes to process.stdout and process.stderr; without it nothing is written', async () => {
    const written: string[] = [];
    const stdoutWrite = process.stdout.write.bind(process.stdout);
    const stderrWrite = process.stderr.write.bind(process.stderr);
    const capture = (chunk: string | Uint8Array): boolean => {
      written.push(Buffer.from(chunk).toString());
      return true;
    };
    const job = () => new SshJob(node, 'echo hello', { label: 'greet' });
    try {
      process.stdout.write = capture;
      process.stderr.write = capture;
      expect(await new Scheduler([job()], { label: 'quiet' }).orchestrate()).to.equal(true);
      expect(written).to.deep.equal([]);
      expect(await new Scheduler([job()], { label: 'loud' }).orchestrate({ verbose: true })).to.equal(true);
    } finally {
      process.stdout.write = stdoutWrite;
      process.stderr.write = stderrWrite;
    }
    expect(written.join('')).to.equal(
      '-- greet: started\nhere:hello\n-- greet: done\n== loud: ok (fine: every job completed)\n',
    );
  });
});
