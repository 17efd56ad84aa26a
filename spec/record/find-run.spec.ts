import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import { findRun } from '../../lib/record/find-run.js';
import { scenarioSlug } from '../../lib/record/run-dir.js';
import { fakeRun } from '../helpers/run-dir.js';

describe('record/find-run', () => {
  let tmp: string;
  let root: string;
  const scenario = (): string => path.join(tmp, 'deploy.yaml');
  const folder = (): string => path.join(root, scenarioSlug(scenario()));
  const run = (id: string): Promise<string> =>
    fakeRun()
      .job('a', { at: [0, 10] })
      .end(20, 'success')
      .write(path.join(folder(), id));

  beforeEach(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'rxjobs-find-run-'));
    root = path.join(tmp, 'rec');
    writeFileSync(scenario(), 'jobs: []\n');
    await run('20261207T150000Z-aaaa');
    await run('20261207T160000Z-bbbb');
  });
  afterEach(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  const latest = (): string => path.join(folder(), '20261207T160000Z-bbbb');
  const find = async (p: string, cwd = tmp): Promise<string> => (await findRun(p, { root, cwd })).dir;
  const problem = async (p: string): Promise<string> => {
    try {
      await findRun(p, { root, cwd: tmp });
    } catch (e: unknown) {
      expect(e).to.have.property('code', 'record');
      return (e as Error).message;
    }
    throw new Error(`${p}: no error`);
  };

  it('takes a run directory as that run', async () => {
    const first = path.join(folder(), '20261207T150000Z-aaaa');
    expect(await find(first)).to.equal(first);
    expect(await find(path.relative(tmp, first))).to.equal(first);
  });

  it("takes a scenario's folder of runs as its latest run", async () => {
    expect(await find(folder())).to.equal(latest());
  });

  it('takes a scenario file (.yaml, .yml, .j2) as the latest run of that scenario under the root', async () => {
    expect(await find('deploy.yaml')).to.equal(latest());
    const sub = path.join(tmp, 'sub');
    mkdirSync(sub);
    expect(await find('../deploy.yaml', sub)).to.equal(latest());
    const slugOf = (p: string): string => (p.endsWith('other.yml.j2') ? scenarioSlug(scenario()) : 'none');
    writeFileSync(path.join(tmp, 'other.yml.j2'), '');
    expect((await findRun('other.yml.j2', { root, cwd: tmp, slugOf })).dir).to.equal(latest());
  });

  it('says what the path is and what to give instead', async () => {
    expect(await problem('nothing')).to.match(/nothing: does not exist: give a run directory/);
    writeFileSync(path.join(tmp, 'notes.txt'), '');
    expect(await problem('notes.txt')).to.match(/notes\.txt: is not a run: give a run directory/);
    expect(await problem('rec')).to.match(/rec: is the root of the run records, not one run: give/);
    mkdirSync(path.join(tmp, 'empty'));
    expect(await problem('empty')).to.match(/empty: is a directory that holds no run .*: give a run dir/);
    writeFileSync(path.join(tmp, 'new.yaml'), '');
    expect(await problem('new.yaml')).to.match(
      /new\.yaml: no run of this scenario is recorded under .*rec: run it once first/,
    );
    expect(await problem('gone.yaml')).to.match(/gone\.yaml: does not exist, and no run of a scenario/);
  });
});
