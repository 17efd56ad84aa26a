// rxssh pull from a hostile server (spec/helpers/hostile-sftp.ts), through the built CLI: nothing is written
// outside LOCALDIR (a subdirectory of a temp dir whose whole tree is checked), the failure names the host and
// the entry, and a legitimate file pulled before the hostile listing stays.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import { ensureBuilt, linesOf, runCli } from '../helpers/cli.js';
import type { HostileServer } from '../helpers/hostile-sftp.js';
import {
  HOSTILE_TREE,
  hostileClientOptions,
  outsideLocal,
  startHostileSftp,
  wholeTree,
} from '../helpers/hostile-sftp.js';
import { ed25519PrivateKey } from '../helpers/test-keys.js';

describe('rxssh pull from a hostile SFTP server', function () {
  this.timeout(60_000);
  let server: HostileServer;
  let tmp: string;
  let key: string;

  before(async () => {
    await ensureBuilt();
    server = await startHostileSftp(HOSTILE_TREE);
  });
  after(async () => {
    await server.close();
  });
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-hostile-cli-'));
    key = path.join(tmp, 'client_key');
    await writeFile(key, ed25519PrivateKey(), { mode: 0o600 });
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  /** `rxssh pull ... REMOTES... tmp/local` against the hostile server, in `tmp`. */
  const pull = (remotes: readonly string[]) =>
    runCli(
      'rxssh',
      [
        'pull',
        '-t',
        '127.0.0.1',
        '-p',
        String(server.port),
        ...hostileClientOptions(key, tmp),
        ...remotes.map((r) => `@:${r}`),
        'local',
      ],
      { cwd: tmp },
    );

  /** Every path of the temp dir outside LOCALDIR, but the key and known_hosts the test wrote. */
  const outside = async (): Promise<string[]> => await outsideLocal(tmp, ['client_key', 'known_hosts']);

  it('refuses a listing with "x/..": exit 1, the host and the entry named, nothing outside LOCALDIR', async () => {
    const r = await pull(['ok.txt', 'deep']);
    expect(await outside(), 'written outside LOCALDIR').to.deep.equal([]);
    expect(r.code).to.equal(1);
    expect(linesOf(r.stderr)).to.deep.equal([
      'rxssh: 1 of 1 host failed:',
      `  127.0.0.1  transfer failed  any@127.0.0.1:${String(server.port)}: deep: the server listed the entry "x/..", a name with '/': refused (nothing is written for it)`,
      'rxssh pull: 0 of 1 host ok',
    ]);
    expect(await readFile(path.join(tmp, 'local', '127.0.0.1', 'ok.txt'), 'utf8')).to.equal('fine\n');
  });

  for (const [dir, entry] of [
    ['up', '../../x'],
    ['abs', '/abs'],
    ['slash', 'a/b'],
    ['nul', 'n\0ul'],
    ['loop', undefined],
  ] as const)
    it(`refuses ${entry === undefined ? 'a directory that contains itself' : JSON.stringify(entry)}: nothing outside LOCALDIR`, async () => {
      const r = await pull([dir]);
      expect(await outside(), 'written outside LOCALDIR').to.deep.equal([]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include('127.0.0.1  transfer failed');
      expect(r.stderr).to.include(
        entry === undefined ? 'more than 64 directory levels' : JSON.stringify(entry),
      );
    });

  it('pulls names that are not UTF-8 under escaped names: exit 0, one line for each, every file', async () => {
    const r = await pull(['raw']);
    expect(await outside(), 'written outside LOCALDIR').to.deep.equal([]);
    const got = path.join(tmp, 'local', '127.0.0.1', 'raw');
    const note = (p: string) =>
      `127.0.0.1:pull: raw/${p}: the name is not UTF-8: pulled as ${path.join(got, p)} (%XX there is the byte XX)`;
    expect([r.code, linesOf(r.stderr)]).to.deep.equal([
      0,
      [note('caf%E9.txt'), note('d%FF'), note('d%FF/50%25%80'), 'rxssh pull: 1 of 1 host ok'],
    ]);
    expect(await wholeTree(got)).to.deep.equal(
      ['caf%E9.txt', 'd%FF', 'd%FF/50%25%80', 'd%FF/in.txt', 'ok.txt'].map((p) =>
        p.replaceAll('/', path.sep),
      ),
    );
    expect(await readFile(path.join(got, 'd%FF', '50%25%80'), 'utf8')).to.equal('fifty\n');
  });

  it('pulls a setuid file without its setuid bit', async () => {
    const r = await pull(['suid.bin']);
    expect([r.code, r.stderr]).to.deep.equal([0, 'rxssh pull: 1 of 1 host ok\n']);
    expect((await stat(path.join(tmp, 'local', '127.0.0.1', 'suid.bin'))).mode & 0o7000).to.equal(0);
  });
});
