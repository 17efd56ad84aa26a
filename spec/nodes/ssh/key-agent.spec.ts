import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { KeyAgent } from '../../../lib/nodes/ssh/key-agent.js';
import type { ParsedKey } from '../../../lib/nodes/ssh/ssh2.js';
import { parseKey } from '../../../lib/nodes/ssh/ssh2.js';

const run = promisify(execFile);

const parsed = (data: Buffer | string): ParsedKey => {
  const key = parseKey(data);
  if (key instanceof Error) throw key;
  return key;
};

const identities = (agent: KeyAgent): Promise<ParsedKey[]> =>
  new Promise((resolve, reject) => {
    agent.getIdentities((e, keys) => {
      if (e) reject(e);
      else resolve((keys ?? []) as ParsedKey[]);
    });
  });

const signWith = (agent: KeyAgent, data: Buffer, hash?: 'sha1' | 'sha256' | 'sha512'): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const cb = (e?: Error | null, signature?: Buffer): void => {
      if (e || signature === undefined) reject(e ?? new Error('no signature'));
      else resolve(signature);
    };
    if (hash === undefined) agent.sign(agent.publicKey, data, cb);
    else agent.sign(agent.publicKey, data, { hash }, cb);
  });

describe('KeyAgent', () => {
  let dir: string;
  const keys = new Map<string, { priv: Buffer; pub: string }>();
  const kinds = [
    ['ed25519', ['-t', 'ed25519'], 'ssh-ed25519', null],
    ['ecdsa-256', ['-t', 'ecdsa', '-b', '256'], 'ecdsa-sha2-nistp256', 'sha256'],
    ['ecdsa-384', ['-t', 'ecdsa', '-b', '384'], 'ecdsa-sha2-nistp384', 'sha384'],
    ['ecdsa-521', ['-t', 'ecdsa', '-b', '521'], 'ecdsa-sha2-nistp521', 'sha512'],
    ['rsa', ['-t', 'rsa', '-b', '2048'], 'ssh-rsa', 'sha1'],
    ['rsa-pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM'], 'ssh-rsa', 'sha1'],
  ] as const;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxjobs-key-agent-'));
    await Promise.all(
      kinds.map(async ([name, args]) => {
        const file = join(dir, name);
        await run('ssh-keygen', ['-q', ...args, '-N', '', '-C', name, '-f', file]);
        keys.set(name, { priv: await readFile(file), pub: await readFile(`${file}.pub`, 'utf8') });
      }),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [name, , type, hash] of kinds) {
    it(`signs with a ${name} key what crypto.verify and ssh2 accept, listing its public key`, async () => {
      const { priv, pub } = keys.get(name) ?? expect.fail(name);
      const key = parsed(priv);
      const agent = KeyAgent.of(key) ?? expect.fail(`no agent for ${name}`);
      const [identity, ...rest] = await identities(agent);
      expect(rest).to.have.length(0);
      expect(identity?.type).to.equal(type);
      expect(identity?.isPrivateKey()).to.equal(false);
      expect(identity?.getPublicSSH().toString('base64')).to.equal(pub.split(' ')[1]);
      const publicKey = createPublicKey(key.getPublicPEM());
      const hashes = type === 'ssh-rsa' ? (['sha256', 'sha512', 'sha1'] as const) : [undefined];
      for (const asked of hashes) {
        const data = randomBytes(200);
        const signature = await signWith(agent, data, asked);
        const used = asked ?? hash;
        expect(verify(used, data, publicKey, signature), `${name} ${String(used)}`).to.equal(true);
        expect(key.verify(data, signature, used ?? undefined), `ssh2 ${name}`).to.equal(true);
        expect(verify(used, randomBytes(200), publicKey, signature)).to.equal(false);
      }
    });
  }

  it('signs with the hash of the key type when the options give none', async () => {
    const key = parsed(keys.get('rsa')?.priv ?? expect.fail());
    const agent = KeyAgent.of(key) ?? expect.fail();
    const data = randomBytes(64);
    const signature = await new Promise<Buffer>((resolve, reject) => {
      agent.sign(agent.publicKey, data, {}, (e, s) => {
        if (e || s === undefined) reject(e ?? new Error('no signature'));
        else resolve(s);
      });
    });
    expect(verify('sha1', data, createPublicKey(key.getPublicPEM()), signature)).to.equal(true);
  });

  it('has no agent for a public key', () => {
    const pub = keys.get('ed25519')?.pub ?? expect.fail();
    expect(KeyAgent.of(parsed(pub))).to.equal(undefined);
  });
});
