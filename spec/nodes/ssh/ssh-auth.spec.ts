import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { isJobsError } from '../../../lib/errors/jobs-error.js';
import { KeyAgent } from '../../../lib/nodes/ssh/key-agent.js';
import { clearKeyCache, loadKey } from '../../../lib/nodes/ssh/key-cache.js';
import type { AuthMethod } from '../../../lib/nodes/ssh/ssh-auth.js';
import { planAuth } from '../../../lib/nodes/ssh/ssh-auth.js';
import { rejection } from '../../helpers/errors.js';

const run = promisify(execFile);

/** Backdates a file's mtime by a minute: a version that the key cache trusts. */
const settle = async (file: string): Promise<void> => {
  const past = new Date(Date.now() - 60_000);
  await utimes(file, past, past);
};

// key-cache.ts imports key-agent.ts dynamically (ssh2 is loaded on first use), and tsx gives a dynamic
// import a module instance of its own: the class is recognised by name, not by `instanceof`
const agentOf = (method: AuthMethod | undefined): KeyAgent => {
  if (method?.type !== 'agent' || method.agent.constructor.name !== KeyAgent.name)
    expect.fail('not a KeyAgent method');
  return method.agent as KeyAgent;
};

describe('planAuth', () => {
  let dir: string;
  let plain: string;
  let other: string;
  let protectedKey: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxjobs-ssh-auth-'));
    plain = join(dir, 'plain');
    other = join(dir, 'other');
    protectedKey = join(dir, 'protected');
    await Promise.all([
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', plain]),
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]),
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'open sesame', '-f', protectedKey]),
    ]);
    await Promise.all([plain, other, protectedKey].map(settle));
  });
  afterEach(() => {
    clearKeyCache();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('offers a key file through its in-process agent, then the password', async () => {
    const plan = await planAuth('h', { username: 'u', keys: [plain], agent: false, password: 'pw' });
    expect(plan.tried).to.deep.equal([plain, 'password']);
    expect(plan.methods.map((m) => m.type)).to.deep.equal(['agent', 'password']);
    expect(agentOf(plan.methods[0]).publicKey.type).to.equal('ssh-ed25519');
  });

  it('reads and parses a key file once for many nodes, and again when it changes', async () => {
    const file = join(dir, 'changing');
    await copyFile(plain, file);
    await settle(file);
    const plans = await Promise.all(
      Array.from({ length: 5 }, () => planAuth('h', { username: 'u', keys: [file], agent: false })),
    );
    const agents = new Set(plans.map((p) => agentOf(p.methods[0])));
    expect(agents.size).to.equal(1);
    await copyFile(other, file);
    await settle(file);
    const changed = agentOf((await planAuth('h', { username: 'u', keys: [file], agent: false })).methods[0]);
    expect(agents.has(changed)).to.equal(false);
    expect(
      changed.publicKey.getPublicSSH().equals([...agents][0]?.publicKey.getPublicSSH() ?? Buffer.of()),
    ).to.equal(false);
  });

  it('parses a key file changed in the last seconds on every call', async () => {
    const file = join(dir, 'fresh');
    await copyFile(plain, file);
    const first = await loadKey(file, undefined);
    expect(await loadKey(file, undefined)).not.to.equal(first);
  });

  it('keeps one parse per passphrase: a wrong one fails, the right one then works', async () => {
    const options = { username: 'u', keys: [protectedKey], agent: false } as const;
    const none = await rejection(planAuth('h', options));
    expect(isJobsError(none, 'ssh-auth')).to.equal(true);
    expect((none as Error).message)
      .to.contain('protected by a passphrase')
      .and.contain('`passphrase`');
    const wrong = await rejection(planAuth('h', { ...options, passphrase: 'nope' }));
    expect((wrong as Error).message)
      .to.contain(protectedKey)
      .and.contain('wrong passphrase');
    const right = await planAuth('h', { ...options, passphrase: { [protectedKey]: 'open sesame' } });
    expect(agentOf(right.methods[0]).publicKey.type).to.equal('ssh-ed25519');
    expect(await loadKey(protectedKey, 'nope')).to.be.instanceOf(Error);
  });

  it('does not remember a file that could not be read', async () => {
    const file = join(dir, 'later');
    const e = await rejection(planAuth('h', { username: 'u', keys: [file], agent: false }));
    expect(isJobsError(e, 'ssh-auth')).to.equal(true);
    expect((e as Error).message).to.contain(`cannot read key file ${file}: ENOENT`);
    await copyFile(plain, file);
    await settle(file);
    const plan = await planAuth('h', { username: 'u', keys: [file], agent: false });
    expect(plan.tried).to.deep.equal([file]);
  });
});
