import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

import { isJobsError } from '../../../lib/errors/jobs-error.js';
import { HostKeyError } from '../../../lib/errors/host-key-error.js';
import type { HostKey } from '../../../lib/nodes/trust/known-hosts.js';
import {
  appendKnownHost,
  blobKeyType,
  checkHostKey,
  fingerprint,
  hostLookupName,
  hostPatternsMatch,
  knownHostKeyTypes,
  parseKnownHosts,
  verifyHostKey,
} from '../../../lib/nodes/trust/known-hosts.js';
import { rejection } from '../../helpers/errors.js';
import { eventually } from '../../helpers/eventually.js';

const run = promisify(execFile);

interface Fixture extends HostKey {
  /** `type base64`, the first two fields of the .pub file. */
  readonly text: string;
  readonly pub: string;
}

describe('known_hosts', () => {
  let dir: string;
  let edA: Fixture;
  let edB: Fixture;
  let ecdsa: Fixture;
  let counter = 0;

  /** A fresh path in the temp dir, written with `lines` when given. */
  const file = async (...lines: string[]): Promise<string> => {
    counter += 1;
    const path = join(dir, `known_hosts_${String(counter)}`);
    if (lines.length > 0) await writeFile(path, lines.join('\n') + '\n');
    return path;
  };

  const keygen = async (type: string, name: string): Promise<Fixture> => {
    const path = join(dir, name);
    await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `${name}@test`, '-f', path]);
    const pub = `${path}.pub`;
    const [keyType, base64] = (await readFile(pub, 'utf8')).trim().split(' ');
    if (keyType === undefined || base64 === undefined) throw new Error(`bad ${pub}`);
    return { type: keyType, data: Buffer.from(base64, 'base64'), text: `${keyType} ${base64}`, pub };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxjobs-known-hosts-'));
    [edA, edB, ecdsa] = await Promise.all([
      keygen('ed25519', 'ed_a'),
      keygen('ed25519', 'ed_b'),
      keygen('ecdsa', 'ecdsa'),
    ]);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const h22 = { host: 'db1.example.com', port: 22 };

  describe('keys and names', () => {
    it('fingerprints a blob exactly as ssh-keygen -lf does', async () => {
      for (const key of [edA, ecdsa]) {
        const { stdout } = await run('ssh-keygen', ['-lf', key.pub]);
        expect(fingerprint(key.data)).to.equal(stdout.split(' ')[1]);
      }
    });

    it('reads the key type from the blob', () => {
      expect(blobKeyType(edA.data)).to.equal('ssh-ed25519');
      expect(blobKeyType(ecdsa.data)).to.equal('ecdsa-sha2-nistp256');
      expect(blobKeyType(Buffer.from([0, 0]))).to.equal(undefined);
    });

    it('names port 22 by the host and other ports as [host]:port', () => {
      expect(hostLookupName({ host: 'h', port: 22 })).to.equal('h');
      expect(hostLookupName({ host: '127.0.0.2', port: 2222 })).to.equal('[127.0.0.2]:2222');
    });
  });

  describe('parsing and matching', () => {
    it('skips comments, blank lines and malformed lines, and numbers lines from 1', () => {
      const entries = parseKnownHosts(
        [
          '# a comment',
          '',
          '   ',
          `h1 ${edA.text} a trailing comment`,
          '  # indented comment',
          `@bogus h2 ${edA.text}`,
          'h3 ssh-ed25519',
          `h4 ssh-rsa ${edA.text.split(' ')[1] ?? ''}`,
          `h5 ssh-ed25519 not*base64`,
          `@revoked h6 ${edB.text}\r`,
          `@cert-authority *.example.com ${ecdsa.text}`,
        ].join('\n'),
      );
      expect(entries.map((e) => [e.marker, e.hosts, e.type, e.line])).to.deep.equal([
        [undefined, 'h1', 'ssh-ed25519', 4],
        ['revoked', 'h6', 'ssh-ed25519', 10],
        ['cert-authority', '*.example.com', 'ecdsa-sha2-nistp256', 11],
      ]);
      expect(entries[0]?.data.equals(edA.data)).to.equal(true);
    });

    it('matches wildcards, negations and ports like OpenSSH', () => {
      expect(hostPatternsMatch('*.example.com', 'db1.example.com')).to.equal(true);
      expect(hostPatternsMatch('*.example.com', 'example.com')).to.equal(false);
      expect(hostPatternsMatch('10.0.0.?', '10.0.0.7')).to.equal(true);
      expect(hostPatternsMatch('10.0.0.?', '10.0.0.17')).to.equal(false);
      expect(hostPatternsMatch('*.example.com,!bad.example.com', 'bad.example.com')).to.equal(false);
      expect(hostPatternsMatch('!bad.example.com', 'good.example.com')).to.equal(false);
      expect(hostPatternsMatch('a,DB1.Example.COM', 'db1.example.com')).to.equal(true);
      expect(hostPatternsMatch('[h]:2222', '[h]:2222')).to.equal(true);
      expect(hostPatternsMatch('h', '[h]:2222')).to.equal(false);
      expect(hostPatternsMatch('[*]:2222', '[h]:2222')).to.equal(true);
      expect(hostPatternsMatch('h.example', 'hxexample')).to.equal(false);
    });
  });

  describe('checkHostKey', () => {
    it('finds a known key', async () => {
      const f = await file(`other ${edB.text}`, `db0,db1.example.com ${edA.text}`);
      expect(await checkHostKey(h22, edA, [f])).to.deep.equal({ status: 'known' });
    });

    it('says unknown when no entry names the host', async () => {
      const f = await file(`other ${edA.text}`);
      expect(await checkHostKey(h22, edA, [f])).to.deep.equal({ status: 'unknown' });
    });

    it('says changed for another key of the same type, with its fingerprint, file and line', async () => {
      const f = await file('# header', '', `db1.example.com ${edB.text}`);
      expect(await checkHostKey(h22, edA, [f])).to.deep.equal({
        status: 'changed',
        known: [fingerprint(edB.data)],
        file: f,
        line: 3,
      });
    });

    it('says known when one of several same-type entries has the key', async () => {
      const f = await file(`db1.example.com ${edB.text}`, `db1.example.com ${edA.text}`);
      expect(await checkHostKey(h22, edA, [f])).to.deep.equal({ status: 'known' });
    });

    it('says changed when the host is known only under other key types (OpenSSH asks for them first)', async () => {
      const f = await file(`other ${edA.text}`, `db1.example.com ${ecdsa.text}`);
      expect(await checkHostKey(h22, edA, [f])).to.deep.equal({
        status: 'changed',
        known: [fingerprint(ecdsa.data)],
        file: f,
        line: 2,
      });
    });

    it('says known when the key is one of the keys of several types known for the host', async () => {
      const f = await file(`db1.example.com ${ecdsa.text}`, `db1.example.com ${edA.text}`);
      expect(await checkHostKey(h22, edA, [f])).to.deep.equal({ status: 'known' });
      expect(await checkHostKey(h22, ecdsa, [f])).to.deep.equal({ status: 'known' });
    });

    it('lists the fingerprints of every known key of a changed host, across files', async () => {
      const f1 = await file(`db1.example.com ${ecdsa.text}`);
      const f2 = await file(`db1.example.com ${edB.text}`);
      expect(await checkHostKey(h22, edA, [f1, f2])).to.deep.equal({
        status: 'changed',
        known: [fingerprint(ecdsa.data), fingerprint(edB.data)],
        file: f1,
        line: 1,
      });
    });

    it('says revoked for a @revoked key, over a plain entry with the same key', async () => {
      const f = await file(`db1.example.com ${edA.text}`, `@revoked * ${edA.text}`);
      expect(await checkHostKey(h22, edA, [f])).to.deep.equal({ status: 'revoked', file: f, line: 2 });
    });

    it('applies @revoked only to the hosts it names', async () => {
      const f = await file(`@revoked other ${edA.text}`, `db1.example.com ${edA.text}`);
      expect(await checkHostKey(h22, edA, [f])).to.deep.equal({ status: 'known' });
    });

    it('ignores @cert-authority entries for plain keys', async () => {
      const f = await file(`@cert-authority db1.example.com ${edA.text}`, `@cert-authority * ${edB.text}`);
      expect(await checkHostKey(h22, edA, [f])).to.deep.equal({ status: 'unknown' });
    });

    it('honours wildcard and negated patterns', async () => {
      const f = await file(`*.example.com,!bad.example.com ${edA.text}`);
      expect(await checkHostKey(h22, edA, [f])).to.deep.equal({ status: 'known' });
      const bad = { host: 'bad.example.com', port: 22 };
      expect(await checkHostKey(bad, edA, [f])).to.deep.equal({ status: 'unknown' });
    });

    it('matches [host]:port entries on their port only, and plain entries on port 22 only', async () => {
      const f = await file(`h ${edA.text}`, `[h]:2222 ${edB.text}`);
      expect(await checkHostKey({ host: 'h', port: 22 }, edA, [f])).to.deep.equal({ status: 'known' });
      expect(await checkHostKey({ host: 'h', port: 2222 }, edB, [f])).to.deep.equal({ status: 'known' });
      expect(await checkHostKey({ host: 'h', port: 2222 }, edA, [f])).to.include({ status: 'changed' });
      expect(await checkHostKey({ host: 'h', port: 22 }, edB, [f])).to.include({ status: 'changed' });
      expect(await checkHostKey({ host: 'h', port: 2200 }, edA, [f])).to.deep.equal({ status: 'unknown' });
    });

    it('treats missing files as empty and reads every file given', async () => {
      const f = await file(`db1.example.com ${edA.text}`);
      const missing = [join(dir, 'nope', 'known_hosts'), join(dir, 'absent')];
      expect(await checkHostKey(h22, edA, missing)).to.deep.equal({ status: 'unknown' });
      expect(await checkHostKey(h22, edA, [...missing, f])).to.deep.equal({ status: 'known' });
    });

    it('rejects, naming the file, when a file cannot be read', async () => {
      const unreadable = join(dir, 'a-directory');
      await mkdir(unreadable, { recursive: true });
      const e = await rejection(checkHostKey(h22, edA, [unreadable]));
      expect(isJobsError(e, 'config')).to.equal(true);
      expect((e as Error).message).to.include(unreadable);
    });

    it('finds entries hashed by ssh-keygen -H, for port 22 and [host]:2222', async () => {
      const f = await file(`db1.example.com ${edA.text}`, `[127.0.0.2]:2222 ${ecdsa.text}`);
      await run('ssh-keygen', ['-H', '-f', f]);
      const text = await readFile(f, 'utf8');
      expect(text).not.to.include('db1');
      expect(text).not.to.include('127.0.0.2');
      expect(parseKnownHosts(text).every((e) => e.hosts.startsWith('|1|'))).to.equal(true);
      const port2222 = { host: '127.0.0.2', port: 2222 };
      expect(await checkHostKey(h22, edA, [f])).to.deep.equal({ status: 'known' });
      expect(await checkHostKey(port2222, ecdsa, [f])).to.deep.equal({ status: 'known' });
      expect(await checkHostKey({ host: 'DB1.example.com', port: 22 }, edA, [f])).to.deep.equal({
        status: 'known',
      });
      expect(await checkHostKey(h22, edB, [f])).to.include({ status: 'changed', line: 1 });
      expect(await checkHostKey({ host: '127.0.0.2', port: 22 }, ecdsa, [f])).to.deep.equal({
        status: 'unknown',
      });
    });
  });

  describe('knownHostKeyTypes', () => {
    it('lists the types of the plain entries naming the host, first seen first, once each', async () => {
      const f1 = await file(`db1.example.com ${edA.text}`, `other ${ecdsa.text}`);
      const f2 = await file(
        `*.example.com ${ecdsa.text}`,
        `db1.example.com ${edB.text}`,
        `@revoked db1.example.com ${edA.text}`,
        `@cert-authority db1.example.com ${edA.text}`,
      );
      expect(await knownHostKeyTypes(h22, [f1, f2])).to.deep.equal(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
      expect(await knownHostKeyTypes({ host: 'other', port: 22 }, [f1])).to.deep.equal([
        'ecdsa-sha2-nistp256',
      ]);
    });

    it('gives no types for an unknown host or missing files, and matches [host]:port', async () => {
      const f = await file(`[db1.example.com]:2222 ${ecdsa.text}`);
      expect(await knownHostKeyTypes(h22, [f, join(dir, 'absent')])).to.deep.equal([]);
      expect(await knownHostKeyTypes({ host: 'db1.example.com', port: 2222 }, [f])).to.deep.equal([
        'ecdsa-sha2-nistp256',
      ]);
    });
  });

  describe('appendKnownHost', () => {
    const port2222 = { host: '127.0.0.2', port: 2222 };

    for (const hash of [false, true]) {
      it(`writes an entry ssh-keygen -F finds (hash ${String(hash)})`, async () => {
        const f = await file();
        await appendKnownHost(f, port2222, edA, { hash });
        const text = await readFile(f, 'utf8');
        expect(text.startsWith(hash ? '|1|' : '[127.0.0.2]:2222 ')).to.equal(true);
        expect(text.endsWith(`${edA.text}\n`)).to.equal(true);
        const { stdout } = await run('ssh-keygen', ['-F', '[127.0.0.2]:2222', '-f', f]);
        expect(stdout).to.include(edA.text.split(' ')[1]);
        expect(await checkHostKey(port2222, edA, [f])).to.deep.equal({ status: 'known' });
      });
    }

    it('creates the directory (0700) and the file (0600)', async () => {
      const f = join(dir, 'fresh', 'sub', 'known_hosts');
      await appendKnownHost(f, h22, edA);
      expect((await stat(join(dir, 'fresh'))).mode & 0o777).to.equal(0o700);
      expect((await stat(join(dir, 'fresh', 'sub'))).mode & 0o777).to.equal(0o700);
      expect((await stat(f)).mode & 0o777).to.equal(0o600);
      expect(await readFile(f, 'utf8')).to.equal(`db1.example.com ${edA.text}\n`);
    });

    it('ends a last line that lacks its newline first', async () => {
      const f = await file();
      await writeFile(f, `other ${edB.text}`);
      await appendKnownHost(f, h22, edA);
      expect(await readFile(f, 'utf8')).to.equal(`other ${edB.text}\ndb1.example.com ${edA.text}\n`);
    });

    it('refuses host names that would become patterns or break the line', async () => {
      const f = await file();
      for (const host of ['*', 'a,b', 'a b', 'a\nb', '!a', '']) {
        const e = await rejection(appendKnownHost(f, { host, port: 22 }, edA));
        expect(isJobsError(e, 'config')).to.equal(true);
      }
      expect(
        isJobsError(await rejection(appendKnownHost(f, { host: 'h', port: 0 }, edA)), 'config'),
      ).to.equal(true);
    });

    it('keeps lines whole when many appends run at once', async () => {
      const f = await file();
      await writeFile(f, `# no newline at the end`);
      const hosts = Array.from({ length: 40 }, (_, i) => ({ host: `host${String(i)}`, port: 22 + (i % 2) }));
      await Promise.all(
        hosts.map((h, i) => appendKnownHost(f, h, i % 3 === 0 ? ecdsa : edA, { hash: i % 2 === 0 })),
      );
      const lines = (await readFile(f, 'utf8')).split('\n');
      expect(lines.pop()).to.equal('');
      expect(lines).to.have.length(41);
      expect(lines.slice(1).every((l) => l.split(' ').length === 3)).to.equal(true);
      expect(parseKnownHosts(lines.join('\n'))).to.have.length(40);
      const checks = await Promise.all(hosts.map((h, i) => checkHostKey(h, i % 3 === 0 ? ecdsa : edA, [f])));
      expect(checks.every((c) => c.status === 'known')).to.equal(true);
    });
  });

  describe('appendKnownHost from several processes', () => {
    it('learns each host once when three processes learn the same 40 hosts at once', async function () {
      this.timeout(30_000);
      const fixture = join(import.meta.dirname, '..', '..', 'helpers', 'fixtures', 'append-known-hosts.mjs');
      for (const hash of ['plain', 'hash']) {
        const f = await file();
        const [type = '', base64 = ''] = edA.text.split(' ');
        const processes = [1, 2, 3].map(() =>
          run(process.execPath, ['--import', 'tsx', fixture, f, '40', type, base64, hash], {
            timeout: 25_000,
          }),
        );
        // all three have found the 40 hosts unknown: then they append at once
        const ready = async (): Promise<boolean> =>
          (await readdir(dir)).filter((n) => n.startsWith(`${basename(f)}.ready.`)).length === 3;
        expect(await eventually(ready, 20_000)).to.equal(true);
        await writeFile(`${f}.go`, '');
        await Promise.all(processes);
        const lines = (await readFile(f, 'utf8')).split('\n').filter((l) => l !== '');
        expect(lines, hash).to.have.length(40);
        expect(parseKnownHosts(lines.join('\n'))).to.have.length(40);
        expect(await rejection(stat(`${f}.lock`)), 'the lock file is removed').to.be.instanceOf(Error);
      }
    });
  });

  describe('verifyHostKey', () => {
    it('accept-new appends an unknown key, then the key is known', async () => {
      const system = await file(`other ${edB.text}`);
      const userFile = join(dir, 'accept-new', 'known_hosts');
      const files = [userFile, system];
      const lookup = { host: '127.0.0.2', port: 2222 };
      await verifyHostKey(lookup, edA, { policy: 'accept-new', files, userFile });
      expect(await checkHostKey(lookup, edA, files)).to.deep.equal({ status: 'known' });
      await verifyHostKey(lookup, edA, { policy: 'accept-new', files, userFile });
      expect(await readFile(userFile, 'utf8')).to.equal(`[127.0.0.2]:2222 ${edA.text}\n`);
      const { stdout } = await run('ssh-keygen', ['-F', '[127.0.0.2]:2222', '-f', userFile]);
      expect(stdout).to.include(edA.text);
    });

    it('accept-new refuses a changed key, naming both fingerprints', async () => {
      const userFile = await file(`# keys`, `[h]:2222 ${edB.text}`);
      const e = await rejection(
        verifyHostKey({ host: 'h', port: 2222 }, edA, { policy: 'accept-new', files: [userFile], userFile }),
      );
      expect(e).to.be.instanceOf(HostKeyError);
      const error = e as HostKeyError;
      expect(error).to.include({ host: '[h]:2222', problem: 'changed', presented: fingerprint(edA.data) });
      expect(error.known).to.deep.equal([fingerprint(edB.data)]);
      expect(error.file).to.equal(userFile);
      expect(error.message).to.include(fingerprint(edA.data)).and.include(fingerprint(edB.data));
      expect(await readFile(userFile, 'utf8')).not.to.include(edA.text);
    });

    it('refuses, under strict and accept-new, a key of a type not known for a known host', async () => {
      for (const policy of ['strict', 'accept-new'] as const) {
        const userFile = await file(`[h]:2222 ${ecdsa.text}`);
        const e = await rejection(
          verifyHostKey({ host: 'h', port: 2222 }, edA, { policy, files: [userFile], userFile }),
        );
        expect(e).to.be.instanceOf(HostKeyError);
        expect(e).to.include({ host: '[h]:2222', problem: 'changed', presented: fingerprint(edA.data) });
        expect((e as HostKeyError).known).to.deep.equal([fingerprint(ecdsa.data)]);
        expect(await readFile(userFile, 'utf8')).to.equal(`[h]:2222 ${ecdsa.text}\n`);
      }
    });

    it('refuses a revoked key under every checking policy', async () => {
      const userFile = await file(`@revoked h ${edA.text}`);
      for (const policy of ['strict', 'accept-new'] as const) {
        const e = await rejection(
          verifyHostKey({ host: 'h', port: 22 }, edA, { policy, files: [userFile], userFile }),
        );
        expect(e).to.be.instanceOf(HostKeyError);
        expect(e).to.include({ host: 'h', problem: 'revoked', file: userFile });
      }
    });

    it('strict refuses an unknown key and writes nothing', async () => {
      const userFile = join(dir, 'strict', 'known_hosts');
      const e = await rejection(verifyHostKey(h22, edA, { policy: 'strict', files: [userFile], userFile }));
      expect(e).to.be.instanceOf(HostKeyError);
      expect(e).to.include({ host: 'db1.example.com', problem: 'unknown', file: userFile });
      expect(await rejection(stat(join(dir, 'strict')))).to.include({ code: 'ENOENT' });
    });

    it('strict accepts a known key', async () => {
      const userFile = await file(`db1.example.com ${edA.text}`);
      await verifyHostKey(h22, edA, { policy: 'strict', files: [userFile], userFile });
    });

    it('off neither reads nor writes', async () => {
      const unreadable = join(dir, 'off-dir');
      await mkdir(unreadable, { recursive: true });
      const userFile = join(dir, 'off', 'known_hosts');
      await verifyHostKey(h22, edA, { policy: 'off', files: [unreadable], userFile });
      expect(await rejection(stat(join(dir, 'off')))).to.include({ code: 'ENOENT' });
    });
  });
});
