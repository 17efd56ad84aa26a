import { expect } from 'chai';
import { appendFile, chmod, mkdir, mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { isJobsError } from '../../../lib/errors/jobs-error.js';
import { clearKnownHostsCache, knownHostsIndex } from '../../../lib/nodes/trust/known-hosts-cache.js';
import { parseKnownHosts } from '../../../lib/nodes/trust/known-hosts-format.js';
import { appendKnownHost, checkHostKey } from '../../../lib/nodes/trust/known-hosts.js';
import { rejection } from '../../helpers/errors.js';

const keyOf = (n: number): { type: string; data: Buffer } => {
  const type = Buffer.from('ssh-ed25519');
  const data = Buffer.alloc(4 + type.length + 4 + 32, n);
  data.writeUInt32BE(type.length, 0);
  type.copy(data, 4);
  data.writeUInt32BE(32, 4 + type.length);
  return { type: 'ssh-ed25519', data };
};
const line = (host: string, n: number): string => `${host} ssh-ed25519 ${keyOf(n).data.toString('base64')}`;

/** Writes a file whose mtime is a minute old: a version that the cache trusts. */
const writeSettled = async (file: string, text: string): Promise<void> => {
  await writeFile(file, text);
  const past = new Date(Date.now() - 60_000);
  await utimes(file, past, past);
};

describe('known_hosts cache', () => {
  let dir: string;
  let counter = 0;
  const fresh = (): string => join(dir, `known_hosts_${String((counter += 1))}`);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxjobs-known-hosts-cache-'));
  });
  afterEach(() => {
    clearKnownHostsCache();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file once while it does not change, and once for lookups at the same time', async () => {
    const f = fresh();
    await writeSettled(f, `${line('a', 1)}\n`);
    const [first, second] = await Promise.all([knownHostsIndex(f), knownHostsIndex(f)]);
    expect(first).to.equal(second);
    expect(await knownHostsIndex(join(dir, '.', `known_hosts_${String(counter)}`))).to.equal(first);
    expect(first.lookup('a')).to.have.length(1);
  });

  it('reads the file again when another process rewrites it, appends to it or replaces it', async () => {
    const f = fresh();
    await writeSettled(f, `${line('a', 1)}\n`);
    const first = await knownHostsIndex(f);
    expect(await knownHostsIndex(f)).to.equal(first);
    await writeFile(f, `${line('b', 1)}\n`); // same size, new content
    const second = await knownHostsIndex(f);
    expect(second).not.to.equal(first);
    expect(second.lookup('a')).to.deep.equal([]);
    expect(second.lookup('b')).to.have.length(1);
    await writeSettled(f, `${line('b', 1)}\n`);
    expect(await knownHostsIndex(f)).to.equal(await knownHostsIndex(f));
    await appendFile(f, `${line('c', 2)}\n`);
    const third = await knownHostsIndex(f);
    expect(third.lookup('c').map((e) => e.line)).to.deep.equal([2]);
    const other = `${f}.new`;
    await writeFile(other, `${line('d', 3)}\n`);
    await rename(other, f);
    expect((await knownHostsIndex(f)).lookup('d')).to.have.length(1);
  });

  it('reads a file changed in the last seconds on every lookup', async () => {
    const f = fresh();
    await writeFile(f, `${line('a', 1)}\n`);
    const first = await knownHostsIndex(f);
    expect(await knownHostsIndex(f)).not.to.equal(first);
  });

  it('sees a missing file as empty, then its content once it exists', async () => {
    const f = fresh();
    expect(await checkHostKey({ host: 'a', port: 22 }, keyOf(1), [f])).to.deep.equal({ status: 'unknown' });
    await writeFile(f, `${line('a', 1)}\n`);
    expect(await checkHostKey({ host: 'a', port: 22 }, keyOf(1), [f])).to.deep.equal({ status: 'known' });
  });

  it('does not remember a failed read', async () => {
    const f = fresh();
    await mkdir(f);
    expect(isJobsError(await rejection(knownHostsIndex(f)), 'config')).to.equal(true);
    await rm(f, { recursive: true });
    await writeSettled(f, `${line('a', 1)}\n`);
    expect((await knownHostsIndex(f)).lookup('a')).to.have.length(1);
    if (process.getuid?.() !== 0) {
      await chmod(f, 0); // ctime changes: read again, and fail
      expect(isJobsError(await rejection(knownHostsIndex(f)), 'config')).to.equal(true);
      await chmod(f, 0o600);
    }
  });

  it("updates the index with this process's appends instead of reading the file again", async () => {
    const f = fresh();
    await writeSettled(f, `# header\n${line('a', 1)}`); // no newline at the end
    const index = await knownHostsIndex(f);
    const hosts = Array.from({ length: 10 }, (_, i) => ({ host: `h${String(i)}`, port: 22 + (i % 2) }));
    await Promise.all(hosts.map((h, i) => appendKnownHost(f, h, keyOf(i + 2), { hash: i % 3 === 0 })));
    expect(await knownHostsIndex(f)).to.equal(index);
    const reread = parseKnownHosts(await readFile(f, 'utf8'));
    expect(reread).to.have.length(11);
    for (const [i, h] of hosts.entries()) {
      const name = h.port === 22 ? h.host : `[${h.host}]:${String(h.port)}`;
      const expected = reread.filter((e) => e.data.equals(keyOf(i + 2).data)).map((e) => e.line);
      expect(index.lookup(name).map((e) => e.line)).to.deep.equal(expected);
      expect(await checkHostKey(h, keyOf(i + 2), [f])).to.deep.equal({ status: 'known' });
    }
  });

  it('drops the index when another process wrote to the file since it was read', async () => {
    const f = fresh();
    await writeSettled(f, `${line('a', 1)}\n`);
    const index = await knownHostsIndex(f);
    await appendFile(f, `${line('b', 2)}\n`);
    await appendKnownHost(f, { host: 'c', port: 22 }, keyOf(3));
    const after = await knownHostsIndex(f);
    expect(after).not.to.equal(index);
    expect(after.lookup('b').map((e) => e.line)).to.deep.equal([2]);
    expect(after.lookup('c').map((e) => e.line)).to.deep.equal([3]);
  });
});
