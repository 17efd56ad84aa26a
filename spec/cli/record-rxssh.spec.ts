// The run record of rxssh against real sshd servers: every host a job, its exact output, its result.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { readRun } from '../../lib/index.js';
import { cliRecordDir, useCliFleet } from '../helpers/cli.js';

describe('rxssh: the run record (real hosts)', function () {
  this.timeout(60_000);
  const { all, rxssh } = useCliFleet(3);

  it('records each host as a job: plan, events, results, exact outputs, under rxssh/<id>', async () => {
    // a last line without newline, and bytes that are not UTF-8: the files get them as they came
    const r = await rxssh([
      '-t',
      '127.0.0.[2-4]',
      'set -- $SSH_CONNECTION; printf "hi $3\\n\\377no newline"; echo "err $3" >&2; [ $3 != 127.0.0.3 ]',
    ]);
    expect(r.code, r.stderr).to.equal(1);
    const dir = r.recorded ?? '';
    expect(path.dirname(dir)).to.equal(path.join(cliRecordDir(), 'rxssh'));
    const record = await readRun(dir);
    expect(record.run).to.include({ program: 'rxssh', outcome: 'failure', exitStatus: 1 });
    expect(record.run.command).to.match(/^set -- \$SSH_CONNECTION/);
    expect(record.run.counts).to.include({ total: 3, done: 2, failed: 1 });
    expect(record.plan.map((p) => [p.key, p.node])).to.deep.equal(
      all()
        .slice(0, 3)
        .map((a) => [a, a]),
    );
    for (const address of all().slice(0, 3)) {
      const { out, err } = record.outputsOf(address);
      expect(fs.readFileSync(out ?? '')).to.deep.equal(
        Buffer.concat([Buffer.from(`hi ${address}\n`), Buffer.from([0xff]), Buffer.from('no newline')]),
      );
      expect(fs.readFileSync(err ?? '', 'utf8')).to.equal(`err ${address}\n`);
    }
    const results = record.events.filter((e) => e.type === 'result');
    expect(results.map((e) => [(e as { target: string }).target, e.ok]).sort()).to.deep.equal([
      ['127.0.0.2', true],
      ['127.0.0.3', false],
      ['127.0.0.4', true],
    ]);
    expect(record.events.filter((e) => e.type === 'exit')).to.have.length(3);
    expect(record.events.at(-1)).to.include({ type: 'end', outcome: 'failure' });
  });

  it('with -o DIR, copies the per-host files into the record at the end, an empty .err left out', async () => {
    const out = fs.mkdtempSync(path.join(cliRecordDir(), '..', 'out-'));
    const r = await rxssh(['-o', out, '-t', '127.0.0.[2-3]', 'set -- $SSH_CONNECTION; echo "hi $3"']);
    expect(r.code, r.stderr).to.equal(0);
    const record = await readRun(r.recorded ?? '');
    for (const address of all().slice(0, 2)) {
      const { out: recorded, err } = record.outputsOf(address);
      expect(fs.readFileSync(recorded ?? '', 'utf8')).to.equal(`hi ${address}\n`);
      expect(fs.statSync(recorded ?? '').ino).not.to.equal(fs.statSync(path.join(out, address)).ino);
      expect(err).to.equal(undefined); // an empty .err is not recorded
    }
  });

  it('records nothing for -n, -L or --no-record', async () => {
    const runs = (): number => {
      const root = path.join(cliRecordDir(), 'rxssh');
      return fs.existsSync(root) ? fs.readdirSync(root).length : 0;
    };
    const before = runs();
    for (const args of [['-n', 'true'], ['-L'], ['--no-record', 'true']]) {
      const r = await rxssh(['-t', '127.0.0.2', ...args]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.recorded).to.equal(undefined);
    }
    expect(runs()).to.equal(before);
  });

  it('with -o DIR, keeps its own copy of the outputs: a later run into the same DIR changes no earlier record', async () => {
    const out = fs.mkdtempSync(path.join(cliRecordDir(), '..', 'rxssh-o-'));
    const first = await rxssh(['-t', '127.0.0.2', '-o', out, 'echo FIRST']);
    expect(first.code, first.stderr).to.equal(0);
    const second = await rxssh(['-t', '127.0.0.2', '-o', out, 'echo SECOND']);
    expect(second.code, second.stderr).to.equal(0);
    fs.appendFileSync(path.join(out, '127.0.0.2'), 'appended\n');
    const outputOf = async (dir: string | undefined): Promise<string> =>
      fs.readFileSync((await readRun(dir ?? '')).outputsOf('127.0.0.2').out ?? '', 'utf8');
    expect(await outputOf(first.recorded)).to.equal('FIRST\n');
    expect(await outputOf(second.recorded)).to.equal('SECOND\n');
  });
});
