import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';
import { lastValueFrom, of, take, toArray } from 'rxjs';

import {
  ConfigError,
  GroupJob,
  Job,
  LocalNode,
  NodeGroup,
  recordRun,
  readRun,
  RecordError,
  Run,
  Scheduler,
  SshJob,
  SshNode,
  isRunEnd,
  latestRun,
} from '../../lib/index.js';
import { runId } from '../../lib/record/run-dir.js';
import { refusedPort } from '../helpers/sshd.js';
import type { JournalEventRecord, RunJson } from '../../lib/index.js';

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const lines = (file: string): unknown[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);

describe('recordRun and run({ record })', () => {
  let tmp: string;
  let node: LocalNode;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'rxjobs-record-'));
    node = new LocalNode({ label: 'here' });
  });
  afterEach(async () => {
    await node.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('writes run.json, plan.json, events.jsonl and the exact outputs of a run of LocalNode jobs', async () => {
    const dir = path.join(tmp, 'run');
    const hello = new SshJob(node, [new Run("printf 'hello\\nworld'"), new Run('echo oops >&2')], {
      label: 'hello',
    });
    const bad = new SshJob(node, 'exit 3', { label: 'bad', critical: false, requires: hello });
    const scheduler = new Scheduler([hello, bad], { label: 'main' });
    const ok = await scheduler.orchestrate({ record: dir });
    expect(ok).to.equal(true);

    const run = readJson(path.join(dir, 'run.json')) as RunJson;
    // the run went on past `bad` (not critical), but its work was not done: a failure, as the CLIs say
    expect(run).to.include({
      format: 'rxjobs-run/1',
      program: 'library',
      outcome: 'failure',
      why: '1 job failed (not critical)',
      pid: process.pid,
      outputNaming: 2,
    });
    expect(run.ended).to.be.a('string');
    expect(run.counts).to.deep.equal({
      total: 2,
      done: 1,
      restored: 0,
      failed: 1,
      tolerated: 0,
      skipped: 0,
      cancelled: 0,
      notRun: 0,
    });
    const plan = readJson(path.join(dir, 'plan.json')) as { jobs: Record<string, unknown>[] };
    expect(plan.jobs.map((j) => [j['key'], j['kind'], j['node'], j['requires']])).to.deep.equal([
      ['hello', 'job', 'here', []],
      ['bad', 'job', 'here', ['hello']],
    ]);
    expect(plan.jobs[0]?.['commands']).to.deep.equal(["printf 'hello\\nworld'", 'echo oops >&2']);
    expect(plan.jobs[0]?.['fingerprint']).to.match(/^[0-9a-f]{64}$/);

    const events = lines(path.join(dir, 'events.jsonl')) as Record<string, unknown>[];
    expect(events.map((e) => `${String(e['type'])}:${String(e['key'])}`)).to.deep.equal([
      'started:hello',
      'exit:hello',
      'exit:hello',
      'done:hello',
      'started:bad',
      'exit:bad',
      'failed:bad',
      'end:undefined',
    ]);
    expect(events.at(-1)).to.include({ type: 'end', outcome: 'failure', ok: false });
    expect(events.some((e) => e['type'] === 'line' || e['type'] === 'chunk')).to.equal(false);
    expect(readFileSync(path.join(dir, 'outputs', 'hello.out'), 'utf8')).to.equal('hello\nworld');
    expect(readFileSync(path.join(dir, 'outputs', 'hello.err'), 'utf8')).to.equal('oops\n');
    expect(existsSync(path.join(dir, 'outputs', 'bad.out'))).to.equal(false);

    const record = await readRun(dir);
    expect(record.interrupted).to.equal(false);
    expect(record.plan.map((p) => p.key)).to.deep.equal(['hello', 'bad']);
    expect(record.outputsOf('hello')).to.deep.equal({
      out: path.join(dir, 'outputs', 'hello.out'),
      err: path.join(dir, 'outputs', 'hello.err'),
    });
    expect(record.outputsOf('bad')).to.deep.equal({});
    const last = record.events.at(-1);
    expect(last !== undefined && isRunEnd(last)).to.equal(true);
  });

  it('keys nested schedulers and group members uniquely, parents before children', async () => {
    const nodes = [1, 2].map((i) => new LocalNode({ label: `n${String(i)}` }));
    const group = NodeGroup.of(nodes);
    try {
      const prepare = new GroupJob(group, 'echo ready', { label: 'prepare' });
      const twin1 = new Job(() => of(1), { label: 'twin' });
      const twin2 = new Job(() => of(2), { label: 'twin', requires: twin1 });
      const inner = new Scheduler([twin1, twin2], { label: 'inner' });
      const top = new Scheduler([prepare, inner, new Job(() => of(3), { label: 'twin', requires: inner })]);
      const dir = path.join(tmp, 'nested');
      await lastValueFrom(top.run().pipe(recordRun(top, dir)));
      const record = await readRun(dir);
      const keys = record.plan.map((p) => p.key);
      expect(keys).to.deep.equal([
        'prepare n[1-2]',
        'inner',
        'twin',
        'prepare n[1-2] / prepare@n1',
        'prepare n[1-2] / prepare@n2',
        'inner / twin',
        'inner / twin#2',
      ]);
      expect(new Set(keys).size).to.equal(keys.length);
      const byKey = new Map(record.plan.map((p) => [p.key, p]));
      expect(byKey.get('prepare n[1-2]')?.kind).to.equal('group');
      expect(byKey.get('inner')?.kind).to.equal('scheduler');
      expect(byKey.get('prepare n[1-2] / prepare@n1')).to.include({
        parent: 'prepare n[1-2]',
        group: 'prepare n[1-2]',
        node: 'n1',
      });
      expect(byKey.get('inner / twin#2')?.requires).to.deep.equal(['inner / twin']);
      expect(byKey.get('twin')?.requires).to.deep.equal(['inner']);
      // parents before children
      record.plan.forEach((p, i) => {
        if (p.parent !== undefined) expect(keys.indexOf(p.parent)).to.be.lessThan(i);
      });
      // every event's key is in the plan; the nested ones' end records too
      const eventKeys = record.events
        .filter((e): e is JournalEventRecord => 'key' in e && e.type !== 'capture')
        .map((e) => e.key);
      expect(eventKeys.every((k) => keys.includes(k))).to.equal(true);
      expect(eventKeys).to.include('inner / twin#2');
      // a label with a space: its characters as `_`, and a hash that keeps the name unique
      const out = readdirSync(path.join(dir, 'outputs')).filter((f) => f.startsWith('prepare_n[1-2]--'));
      expect(out).to.have.length(2);
      expect(out.every((f) => /^prepare_n\[1-2\]--prepare@n[12]-[0-9a-f]{12}\.out$/.test(f))).to.equal(true);
      expect(readFileSync(record.outputsOf('prepare n[1-2] / prepare@n2').out ?? '', 'utf8')).to.equal(
        'ready\n',
      );
    } finally {
      await group.close();
      await Promise.all(nodes.map((n) => n.close()));
    }
  });

  it('records an unsubscribed run as interrupted', async () => {
    const dir = path.join(tmp, 'cut');
    const slow = new SshJob(node, 'sleep 5', { label: 'slow' });
    const quick = new Job(() => of(1), { label: 'quick' });
    const scheduler = new Scheduler([quick, slow]);
    // the first two events (quick and slow started), then unsubscribed
    await lastValueFrom(scheduler.run({ record: dir }).pipe(take(2), toArray()));
    // the end is written after the unsubscription, asynchronously
    for (let i = 0; i < 50 && (readJson(path.join(dir, 'run.json')) as RunJson).ended === undefined; i++)
      await new Promise((r) => setTimeout(r, 20));
    const record = await readRun(dir);
    expect(record.interrupted).to.equal(true);
    expect(record.run.outcome).to.equal('interrupted');
    expect(record.events.at(-1)).to.include({ type: 'end', outcome: 'interrupted' });
  });

  it('replaces the files of an earlier run in the same directory', async () => {
    const dir = path.join(tmp, 'again');
    const one = new SshJob(node, 'echo one', { label: 'one' });
    await new Scheduler([one]).orchestrate({ record: dir });
    const two = new SshJob(node, 'echo two', { label: 'two' });
    await new Scheduler([two]).orchestrate({ record: dir });
    expect(existsSync(path.join(dir, 'outputs', 'one.out'))).to.equal(false);
    expect((await readRun(dir)).plan.map((p) => p.key)).to.deep.equal(['two']);
  });

  /** Runs `f` with stderr's writes caught; returns them. */
  const stderrOf = async (f: () => Promise<void>): Promise<string[]> => {
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (text: string) => {
      written.push(text);
      return true;
    };
    try {
      await f();
    } finally {
      process.stderr.write = write;
    }
    return written;
  };

  it('warns once and goes on when the directory cannot be made', async () => {
    writeFileSync(path.join(tmp, 'file'), '');
    const warnings = await stderrOf(async () => {
      const ok = await new Scheduler([new SshJob(node, 'true', { label: 't' })]).orchestrate({
        record: path.join(tmp, 'file', 'run'),
      });
      expect(ok).to.equal(true);
    });
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/^rxjobs: cannot record in .*file\/run: ENOTDIR/);
  });

  it('warns once, cuts the outputs and goes on recording the events and the end when an output cannot be written', async () => {
    const dir = path.join(tmp, 'full');
    mkdirSync(path.join(dir, 'outputs', 't.out'), { recursive: true }); // a directory where a file goes
    const events: string[] = [];
    const warnings = await stderrOf(async () => {
      const job = new SshJob(node, 'echo a; sleep 0.2; echo b', { label: 't' });
      const after = new SshJob(node, 'echo c', { label: 'u', requires: job });
      const all = await lastValueFrom(new Scheduler([job, after]).run({ record: dir }).pipe(toArray()));
      events.push(...all.map((e) => e.type));
    });
    expect(events.at(-1)).to.equal('end');
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(
      /^rxjobs: outputs no longer recorded: cannot write .*t\.out: EISDIR.*\(the events still are\)\n?$/,
    );
    const record = await readRun(dir);
    expect(record.interrupted).to.equal(false);
    expect(record.run).to.include({ outcome: 'success' });
    expect(record.run.recordIncomplete?.outputs).to.include({
      reason: 'is a directory',
      file: 'outputs/t.out',
    });
    expect(record.run.recordIncomplete?.events).to.equal(undefined);
    // the events of both jobs, the end saying what was cut; u's output is not written (outputs are cut)
    expect(
      record.events.filter((e) => e.type === 'done').map((e) => (e as JournalEventRecord).key),
    ).to.deep.equal(['t', 'u']);
    expect(record.events.at(-1)).to.deep.include({
      type: 'end',
      recordIncomplete: record.run.recordIncomplete,
    });
    expect(record.outputsOf('u')).to.deep.equal({});
  });

  it('refuses a record option that is not a directory name, naming the field', async () => {
    const scheduler = new Scheduler([new Job(() => of(1), { label: 'a' })], { label: 'main' });
    const bad = { record: 42 } as unknown as { record: string };
    const e = await scheduler.orchestrate(bad).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).to.be.instanceOf(ConfigError);
    expect((e as ConfigError).field).to.equal('record');
    expect((e as ConfigError).message).to.match(/scheduler "main".*record must be the name of a directory/);
    const r = await lastValueFrom(scheduler.run({ record: '' })).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(r).to.be.instanceOf(ConfigError);
  });

  it('reads a journal cut by a crash up to its last full line, as interrupted', async () => {
    const dir = path.join(tmp, 'crash');
    await new Scheduler([new Job(() => of(1), { label: 'a' })]).orchestrate({ record: dir });
    const run = readJson(path.join(dir, 'run.json')) as Record<string, unknown>;
    delete run['ended'];
    delete run['outcome'];
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run));
    const journal = readFileSync(path.join(dir, 'events.jsonl'), 'utf8').split('\n');
    writeFileSync(path.join(dir, 'events.jsonl'), `${journal[0] ?? ''}\n{"type":"do`);
    const record = await readRun(dir);
    expect(record.interrupted).to.equal(true);
    expect(record.run.outcome).to.equal('interrupted');
    expect(record.events).to.have.length(1);
  });

  it('keeps no secret of a node in the record: not its password, nor its passphrase', async () => {
    const secrets = ['pw-MARKER-71aa', 'pp-MARKER-02fe'];
    const node = new SshNode({
      hostname: '127.0.0.1',
      port: await refusedPort(),
      username: 'someone',
      password: secrets[0],
      passphrase: secrets[1],
      label: 'secret-node',
    });
    const dir = path.join(tmp, 'secrets');
    try {
      await new Scheduler([new SshJob(node, 'echo hi', { label: 'leaky', critical: false })]).orchestrate({
        record: dir,
      });
    } finally {
      await node.close();
    }
    const files = ['run.json', 'plan.json', 'events.jsonl'].map((f) =>
      readFileSync(path.join(dir, f), 'utf8'),
    );
    expect(files[2]).to.include('"failed"'); // the connection was refused: an error was recorded
    for (const text of files) for (const secret of secrets) expect(text).not.to.include(secret);
  });

  it('finds the latest run of a slug by its id, and says when there is none', async () => {
    const runs = path.join(tmp, 'runs');
    for (const [day, label] of [
      [8, 'later'],
      [7, 'earlier'],
    ] as const)
      await new Scheduler([new Job(() => of(1), { label })]).orchestrate({
        record: path.join(runs, 'slug', runId(new Date(Date.UTC(2026, 11, day)))),
      });
    const latest = await latestRun(runs, 'slug');
    expect(latest.plan.map((p) => p.key)).to.deep.equal(['later']);
    // two runs in one second: their ids sort at random; run.json's start time decides
    const second = new Date(Date.UTC(2026, 11, 9));
    for (const label of ['first', 'second']) {
      let dir = path.join(runs, 'slug', runId(second));
      // the second run's id sorts first
      if (label === 'second') dir = dir.replace(/-[0-9a-f]{4}$/, '-0000');
      else dir = dir.replace(/-[0-9a-f]{4}$/, '-ffff');
      await new Scheduler([new Job(() => of(1), { label })]).orchestrate({ record: dir });
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await latestRun(runs, 'slug')).plan.map((p) => p.key)).to.deep.equal(['second']);
    const none = await latestRun(runs, 'other').catch((e: unknown) => e);
    expect(none).to.be.instanceOf(RecordError);
    expect((none as Error).message).to.equal(`${path.join(runs, 'other')}: holds no recorded run`);
  });

  it('says which file is wrong', async () => {
    const missing = await readRun(tmp).catch((e: unknown) => e);
    expect(missing).to.be.instanceOf(RecordError);
    expect((missing as RecordError).file).to.equal(path.join(tmp, 'run.json'));
    writeFileSync(path.join(tmp, 'run.json'), '{"format":"other"}');
    const other = await readRun(tmp).catch((e: unknown) => e);
    expect((other as Error).message).to.match(/run\.json: has format "other", expected "rxjobs-run\/1"/);
  });

  it('records the output of a job whose key is longer than a file name may be, under a bounded name', async () => {
    const dir = path.join(tmp, 'long');
    const label = `pairs[${'/data/experiments/2026/very-long-directory-name/'.repeat(5)}]é`;
    const job = new SshJob(node, 'echo long', { label });
    expect(await new Scheduler([job]).orchestrate({ record: dir })).to.equal(true);
    const record = await readRun(dir);
    const out = record.outputsOf(label).out ?? '';
    expect(readFileSync(out, 'utf8')).to.equal('long\n');
    expect(Buffer.byteLength(path.basename(out))).to.be.at.most(255);
  });
});
