import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import { makeRunDir, recordRoot, redactArgv, runId, RUN_ID, scenarioSlug } from '../../lib/record/run-dir.js';

describe('record/run-dir', () => {
  it('takes the root from --record-dir, then $RXJOBS_RECORD_DIR, then the XDG state dir, then ~', () => {
    const env = { RXJOBS_RECORD_DIR: 'env', XDG_STATE_HOME: '/state' };
    expect(recordRoot('flag', env, '/cwd')).to.equal('/cwd/flag');
    expect(recordRoot(undefined, env, '/cwd')).to.equal('/cwd/env');
    expect(recordRoot(undefined, { XDG_STATE_HOME: '/state', RXJOBS_RECORD_DIR: '' }, '/cwd')).to.equal(
      '/state/rxjobs/runs',
    );
    expect(recordRoot(undefined, {}, '/cwd')).to.equal(path.join(os.homedir(), '.local/state/rxjobs/runs'));
  });

  it("names a scenario's runs by its base name and the hash of its absolute path", () => {
    const hash = (p: string): string => createHash('sha256').update(p).digest('hex').slice(0, 8);
    expect(scenarioSlug('/x/deploy.yaml')).to.equal(`deploy-${hash('/x/deploy.yaml')}`);
    expect(scenarioSlug('/x/deploy.yml.j2')).to.equal(`deploy-${hash('/x/deploy.yml.j2')}`);
    expect(scenarioSlug('/y/deploy.yaml')).not.to.equal(scenarioSlug('/x/deploy.yaml'));
    expect(scenarioSlug(undefined)).to.equal('stdin');
    // standard input: by the text read, so that --resume finds a run of the same text
    expect(scenarioSlug(undefined, 'jobs: []\n')).to.equal(`stdin-${hash('jobs: []\n')}`);
    expect(scenarioSlug(undefined, 'a')).not.to.equal(scenarioSlug(undefined, 'b'));
  });

  it('makes run ids that sort by time (UTC), and a new directory each time', async () => {
    const id = runId(new Date(Date.UTC(2026, 11, 7, 9, 5, 3)));
    expect(id).to.match(/^20261207T090503Z-[0-9a-f]{4}$/);
    expect(RUN_ID.test(id)).to.equal(true);
    const root = mkdtempSync(path.join(os.tmpdir(), 'rxjobs-run-dir-'));
    try {
      const now = new Date();
      const dirs = await Promise.all([1, 2, 3].map(() => makeRunDir(root, 'slug', now)));
      expect(new Set(dirs).size).to.equal(3);
      expect(readdirSync(path.join(root, 'slug'))).to.have.length(3);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('redacts the values of options and NAME=VALUE words named like secrets, and nothing else', () => {
    expect(
      redactArgv([
        'run',
        'x.yaml',
        '--var',
        'db_password=hunter2',
        '--var=API_TOKEN=abc',
        '--password',
        'pw',
        '--passphrase=pp',
        '--var',
        'n=3',
        '-t',
        'fit01',
      ]),
    ).to.deep.equal([
      'run',
      'x.yaml',
      '--var',
      'db_password=***',
      '--var=API_TOKEN=***',
      '--password',
      '***',
      '--passphrase=***',
      '--var',
      'n=3',
      '-t',
      'fit01',
    ]);
  });
});
