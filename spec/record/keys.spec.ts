// The names of a run's output files (outputFileOf): names a shell user types and globs, one per key, bounded;
// the names of runs recorded before (naming 1) still read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import { outputFileOf, readRun } from '../../lib/index.js';

describe('record/keys: outputFileOf', () => {
  it('joins the labels of a key with -- : no space, no %2F, globbable by the parent', () => {
    expect(outputFileOf('deploy / fit01', 'stdout')).to.equal('outputs/deploy--fit01.out');
    expect(outputFileOf('prepare / prepare@127.0.0.4', 'stderr')).to.equal(
      'outputs/prepare--prepare@127.0.0.4.err',
    );
    expect(outputFileOf('pairs / pairs[10,tcp] / pairs[10,tcp].meas', 'stdout')).to.equal(
      'outputs/pairs--pairs[10,tcp]--pairs[10,tcp].meas.out',
    );
    expect(outputFileOf('deploy / fit01#2', 'stdout')).to.equal('outputs/deploy--fit01#2.out');
    expect(outputFileOf('é / ü', 'stdout')).to.equal('outputs/é--ü.out');
  });

  it('gives a key that does not read back from its name a hash: names stay unique, and shell-safe', () => {
    const keys = [
      'run 1',
      'run_1',
      'a--b',
      'a / b',
      'a- / b',
      'a / -b',
      'a / b / c',
      'a--b / c',
      '.hidden',
      '#x',
      '',
      'x/y',
      'x%2Fy',
      "it's $HOME; `rm`",
      '-rf',
    ];
    const names = keys.map((k) => outputFileOf(k, 'stdout'));
    expect(new Set(names).size).to.equal(keys.length);
    for (const name of names) {
      const base = name.slice('outputs/'.length);
      expect(base).to.match(/^[^\s/%'"`$;*?~\\.#-][^\s/%'"`$;*?~\\]*\.out$/u);
    }
    expect(outputFileOf('run 1', 'stdout')).to.match(/^outputs\/run_1-[0-9a-f]{12}\.out$/);
    expect(outputFileOf('run_1', 'stdout')).to.equal('outputs/run_1.out');
  });

  it('bounds a long name to 200 bytes and a hash', () => {
    const long = `sweep / sweep[${'/data/experiments/2026/'.repeat(12)}]`;
    const name = path.basename(outputFileOf(long, 'stdout'));
    expect(Buffer.byteLength(name)).to.be.at.most(200 + 17 + 4);
    expect(outputFileOf(`${long}x`, 'stdout')).not.to.equal(outputFileOf(long, 'stdout'));
  });

  it('names as runs recorded before did with naming 1, and reads such runs by their old names', async () => {
    expect(outputFileOf('deploy / fit01', 'stdout', 1)).to.equal('outputs/deploy %2F fit01.out');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxjobs-keys-'));
    try {
      // run.json without outputNaming: a run recorded before it was written
      writeFileSync(
        path.join(dir, 'run.json'),
        JSON.stringify({ format: 'rxjobs-run/1', program: 'rxjobs', started: 'x', cwd: '/', ended: 'y' }),
      );
      writeFileSync(path.join(dir, 'plan.json'), JSON.stringify({ jobs: [{ key: 'g / m', label: 'm' }] }));
      mkdirSync(path.join(dir, 'outputs'));
      writeFileSync(path.join(dir, 'outputs', 'g %2F m.out'), 'old\n');
      expect((await readRun(dir)).outputsOf('g / m').out).to.equal(path.join(dir, 'outputs', 'g %2F m.out'));
      // the same run saying naming 2 is read by the new names
      writeFileSync(
        path.join(dir, 'run.json'),
        JSON.stringify({
          format: 'rxjobs-run/1',
          program: 'rxjobs',
          started: 'x',
          cwd: '/',
          outputNaming: 2,
        }),
      );
      writeFileSync(path.join(dir, 'outputs', 'g--m.out'), 'new\n');
      expect((await readRun(dir)).outputsOf('g / m').out).to.equal(path.join(dir, 'outputs', 'g--m.out'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
