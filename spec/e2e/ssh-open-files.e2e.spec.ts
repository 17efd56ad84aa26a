/**
 * A library user who opens more connections than the process may have descriptors: each refused one fails
 * with an SshConnectError `files` that names EMFILE, the limit and what to change, not a raw socket error.
 * Run for real: a child process under `prlimit --nofile`, against a real sshd.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import { expect } from 'chai';

import { ensureBuilt, ROOT } from '../helpers/cli.js';
import { fleetNodeOptions } from '../helpers/ssh-nodes.js';
import { startFleet } from '../helpers/sshd.js';
import type { Fleet } from '../helpers/sshd.js';

const NODES = 160;
const LIMIT = 128;

describe('SshNode beyond the limit of open files (child under prlimit, real sshd)', function () {
  this.timeout(60_000);
  let fleet: Fleet;
  before(async function () {
    this.timeout(180_000);
    await ensureBuilt(); // the child runs the built library: under tsx, loading it would take the descriptors
    fleet = await startFleet({ hosts: 1 });
  });
  after(() => fleet.stop());

  it('fails the connections without a descriptor with an SshConnectError naming EMFILE and the limit', async () => {
    const lib = pathToFileURL(path.join(ROOT, 'dist', 'index.js')).href;
    // NODES nodes to the one host, each holding its connection with `sleep 2`: their reasons and messages
    const script = `
      const { SshNode } = await import(${JSON.stringify(lib)});
      const { lastValueFrom } = await import('rxjs');
      const options = JSON.parse(process.argv[1]);
      const nodes = Array.from({ length: ${String(NODES)} }, () =>
        new SshNode({ ...options, connectTimeout: 20000, connectAttempts: 1, maxStartups: 8 }));
      const out = await Promise.all(nodes.map((n) => lastValueFrom(n.exec('sleep 2')).then(
        () => 'ok', (e) => e.code + ' ' + e.reason + ': ' + e.message)));
      await Promise.all(nodes.map((n) => n.close()));
      console.log(JSON.stringify(out));`;
    const result = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile(
        'prlimit',
        [
          `--nofile=${String(LIMIT)}:${String(LIMIT)}`,
          process.execPath,
          '--input-type=module',
          '-e',
          script,
          JSON.stringify(fleetNodeOptions(fleet)),
        ],
        { cwd: ROOT, encoding: 'utf8', timeout: 50_000 },
        (_error, stdout, stderr) => {
          resolve({ stdout, stderr });
        },
      );
    });
    const outcomes = JSON.parse(result.stdout || '[]') as string[];
    expect(outcomes, result.stderr).to.have.length(NODES);
    const failed = outcomes.filter((o) => o !== 'ok');
    expect(failed.length, 'some connections must find no descriptor').to.be.greaterThan(0);
    const label = `${fleet.user}@${fleet.hosts[0]?.address ?? ''}:${String(fleet.port)}`;
    expect([...new Set(failed)]).to.deep.equal([
      `ssh-connect files: ${label}: cannot connect: too many open files (EMFILE): this process has opened as ` +
        `many files and sockets as its limit allows (${String(LIMIT)}): raise it before starting (\`ulimit -n\`, ` +
        'or nofile in /etc/security/limits.conf), or open fewer connections at once',
    ]);
  });
});
