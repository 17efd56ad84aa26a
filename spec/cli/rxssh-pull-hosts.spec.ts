// rxssh pull @:dir/.. from several hosts, through the built CLI: three hostile servers (ssh2's Server, on
// loopback ports of their own) whose dir/.. holds files of the same names with different contents. Each
// host's files land complete in its own LOCALDIR/<host>/ (dir/.. is copied into that directory itself, as
// scp does): no host overwrites another, nothing is written outside LOCALDIR.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import { ensureBuilt, runCli } from '../helpers/cli.js';
import type { HostileServer, HostileTree } from '../helpers/hostile-sftp.js';
import { hostileClientOptions, outsideLocal, startHostileSftp, wholeTree } from '../helpers/hostile-sftp.js';
import { ed25519PrivateKey } from '../helpers/test-keys.js';

/** Host `n`'s tree: dir/.. holds same.txt, own-<n>.txt and sub/deep.txt, each saying which host it is. */
const treeOf = (n: number): HostileTree => ({
  'dir/..': { names: ['same.txt', `own-${String(n)}.txt`, 'sub'] },
  'dir/../same.txt': { data: `host ${String(n)}\n` },
  [`dir/../own-${String(n)}.txt`]: { data: `only ${String(n)}\n` },
  'dir/../sub': { names: ['deep.txt'] },
  'dir/../sub/deep.txt': { data: `deep ${String(n)}\n` },
});

describe('rxssh pull @:dir/.. from several hosts', function () {
  this.timeout(60_000);
  let servers: HostileServer[];
  let tmp: string;

  before(async () => {
    await ensureBuilt();
    servers = await Promise.all([1, 2, 3].map((n) => startHostileSftp(treeOf(n))));
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-pull-hosts-'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('puts each host complete in its own directory: none overwrites another', async () => {
    const key = path.join(tmp, 'client_key');
    await writeFile(key, ed25519PrivateKey(), { mode: 0o600 });
    const hosts = servers.map((s) => `127.0.0.1:${String(s.port)}`);
    const r = await runCli(
      'rxssh',
      ['pull', ...hosts.flatMap((h) => ['-t', h]), ...hostileClientOptions(key, tmp), '@:dir/..', 'local'],
      { cwd: tmp },
    );
    expect([r.code, r.stderr]).to.deep.equal([0, 'rxssh pull: 3 of 3 hosts ok\n']);
    const local = path.join(tmp, 'local');
    const expected = hosts.flatMap((h, i) =>
      [`own-${String(i + 1)}.txt`, 'same.txt', 'sub', path.join('sub', 'deep.txt')].map((p) =>
        path.join(h, p),
      ),
    );
    expect(await wholeTree(local)).to.deep.equal([...hosts, ...expected].sort());
    for (const [i, h] of hosts.entries()) {
      const n = String(i + 1);
      expect(await readFile(path.join(local, h, 'same.txt'), 'utf8')).to.equal(`host ${n}\n`);
      expect(await readFile(path.join(local, h, `own-${n}.txt`), 'utf8')).to.equal(`only ${n}\n`);
      expect(await readFile(path.join(local, h, 'sub', 'deep.txt'), 'utf8')).to.equal(`deep ${n}\n`);
    }
    const outside = await outsideLocal(tmp, ['client_key', 'known_hosts']);
    expect(outside).to.deep.equal([]);
  });
});
