// The --json stream both CLIs write (issue 11 §5): every record has `type` and `ts`; a `run` record first
// with the package's version, a `started` record before any output and the `result` of each host or job,
// `kind` and `target` naming it the same way in rxssh and rxjobs, a `summary` record last.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { expect } from 'chai';

import { eventually } from '../helpers/eventually.js';
import { ensureBuilt, fleetArgs, linesOf, ROOT, runCli, startCli, useCliFleet } from '../helpers/cli.js';

const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

type Rec = Record<string, unknown>;

/** Every line of `stdout` parsed, each checked to be a JSON object with a `type` and an ISO `ts`. */
const recordsOf = (stdout: string): Rec[] =>
  linesOf(stdout).map((line) => {
    const record = JSON.parse(line) as Rec;
    expect(record, line).to.be.an('object');
    expect(record['type'], line).to.be.a('string');
    expect(record['ts'], line).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    return record;
  });

/**
 * The stream's shape: `run` first (this version, these targets), `summary` last; for each target one
 * `started` (unless it never started) before its output records, and exactly one `result` after them.
 */
const expectWellFormed = (
  records: readonly Rec[],
  kind: 'host' | 'job',
  targets: readonly string[],
  neverStarted: readonly string[] = [],
): void => {
  const [first] = records;
  expect(first?.['type']).to.equal('run');
  expect(first?.['version']).to.equal(version);
  expect(first?.['kind']).to.equal(kind);
  expect(first?.['targets']).to.deep.equal(targets);
  expect(records.at(-1)?.['type']).to.equal('summary');
  expect(records.filter((r) => r['type'] === 'run' || r['type'] === 'summary')).to.have.length(2);
  for (const target of targets) {
    const mine = records.filter((r) => r['target'] === target);
    for (const r of mine) expect(r['kind'], JSON.stringify(r)).to.equal(kind);
    const types = mine.map((r) => r['type']);
    expect(
      types.filter((t) => t === 'result'),
      target,
    ).to.have.length(1);
    expect(types.at(-1), target).to.equal('result');
    if (neverStarted.includes(target)) expect(types, target).to.deep.equal(['result']);
    else {
      expect(types[0], target).to.equal('started');
      expect(
        types.filter((t) => t === 'started'),
        target,
      ).to.have.length(1);
    }
  }
  // nothing about a target that is not one
  const named = new Set(records.filter((r) => r['target'] !== undefined).map((r) => r['target']));
  expect([...named].sort()).to.deep.equal([...targets].sort());
};

describe('the --json stream of the built CLIs', function () {
  this.timeout(60_000);
  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
  });

  describe('rxjobs run --json', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxjobs-json-'));
    });
    afterEach(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('run, started, lines, exits, results (a skipped job included) and a summary', async () => {
      const file = path.join(dir, 'jobs.yaml');
      fs.writeFileSync(
        file,
        `nodes: [{ id: here, local: true }]
jobs:
  - { id: a, node: here, commands: ['echo one; echo two >&2'] }
  - { id: b, node: here, requires: a, commands: ['exit 3'] }
  - { id: c, node: here, requires: b, runIf: all-success, commands: ['echo never'] }
`,
      );
      const r = await runCli('rxjobs', ['run', '--json', file]);
      expect(r.code, r.stderr).to.equal(1);
      const records = recordsOf(r.stdout);
      expectWellFormed(records, 'job', ['a', 'b', 'c'], ['c']);
      expect(records[0]).to.include({ program: 'rxjobs', scenario: file });
      expect(records[0]?.['argv']).to.deep.equal(['run', '--json', file]);
      const lines = records
        .filter((x) => x['type'] === 'line')
        .map((x) => [x['target'], x['stream'], x['text']]);
      expect(lines).to.have.deep.members([
        ['a', 'stdout', 'one'],
        ['a', 'stderr', 'two'],
      ]);
      const results = records
        .filter((x) => x['type'] === 'result')
        .map((x) => [x['target'], x['job'], x['ok'], x['status']]);
      expect(results).to.deep.equal([
        ['a', 'a', true, 'exit 0'],
        ['b', 'b', false, 'exit 3'],
        ['c', 'c', false, 'skipped'],
      ]);
      expect(records.at(-1)).to.include({
        ok: false,
        exitStatus: 1,
        interrupted: false,
        total: 3,
        succeeded: 1,
        failed: 2,
      });
      expect(records.at(-1)?.['durationMs']).to.be.a('number');
    });
  });

  describe('rxssh --json on two hosts', () => {
    const { fleet, all } = useCliFleet(2);

    it('run, then for each host started, its lines and exit, its result; a summary last', async () => {
      const args = [...fleetArgs(fleet()), '--json', '-t', '127.0.0.[2-3]', 'echo "out $(hostname)"; exit 0'];
      const r = await runCli('rxssh', args);
      expect(r.code, r.stderr).to.equal(0);
      const records = recordsOf(r.stdout);
      expectWellFormed(records, 'host', all());
      expect(records[0]).to.include({ program: 'rxssh', command: 'echo "out $(hostname)"; exit 0' });
      expect(records[0]?.['argv']).to.deep.equal(args);
      for (const host of all()) {
        const types = records.filter((x) => x['target'] === host).map((x) => x['type']);
        expect(types, host).to.deep.equal(['started', 'line', 'exit', 'result']);
        const result = records.find((x) => x['type'] === 'result' && x['target'] === host);
        expect(result, host).to.include({ host, ok: true, status: 'exit 0', code: 0 });
      }
      expect(records.at(-1)).to.include({ ok: true, exitStatus: 0, total: 2, succeeded: 2, failed: 0 });
    });

    it('after Ctrl-C, a host that never started still has its result, and the summary says so', async () => {
      const cli = startCli('rxssh', [
        ...fleetArgs(fleet()),
        '--json',
        '-w',
        '1',
        '-t',
        '127.0.0.[2-3]',
        'echo started; sleep 30',
      ]);
      expect(await eventually(() => cli.output().stdout.includes('"text":"started"'), 10_000)).to.equal(true);
      cli.child.kill('SIGINT');
      const r = await cli.result;
      expect(r.code).to.equal(130);
      const records = recordsOf(r.stdout);
      const [first, second] = all();
      expectWellFormed(records, 'host', all(), [second ?? '']);
      const statuses = records.filter((x) => x['type'] === 'result').map((x) => [x['target'], x['status']]);
      expect(statuses).to.deep.include([second, 'interrupted']);
      expect(statuses.map(([host]) => host)).to.include(first);
      expect(records.at(-1)).to.include({ ok: false, exitStatus: 130, interrupted: true, total: 2 });
    });
  });
});
