/**
 * The sshd harness beyond 127.0.0.254: addresses across 127.0.0.0/8, one sshd per 16 of them, and the limits
 * of the machine checked before a large fleet starts. Slow-ish (270 hosts, 17 sshd: a few seconds).
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

import { expect } from 'chai';

import { ROOT } from '../helpers/cli.js';
import { addressOf, startFleet } from '../helpers/sshd.js';
import type { Fleet } from '../helpers/sshd.js';

const run = (
  file: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(file, [...args], { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({
        code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1,
        stdout,
        stderr,
      });
    });
  });

/** `echo hi` on `address` with the real OpenSSH client. */
const sshEcho = (fleet: Fleet, address: string) =>
  run('ssh', [
    ...['-F', '/dev/null', '-i', fleet.clientKey, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'],
    ...['-o', `UserKnownHostsFile=${fleet.knownHosts}`, '-o', 'StrictHostKeyChecking=yes'],
    ...['-p', String(fleet.port), `${fleet.user}@${address}`, 'echo hi'],
  ]);

describe('sshd harness: fleets beyond 127.0.0.254', function () {
  this.timeout(60_000);

  it('numbers hosts 127.0.0.2-254, then 127.0.1.1-254, 127.0.2.1..., never .0 nor .255', () => {
    expect([0, 252, 253, 506, 507, 998, 999].map(addressOf)).to.deep.equal([
      '127.0.0.2',
      '127.0.0.254',
      '127.0.1.1',
      '127.0.1.254',
      '127.0.2.1',
      '127.0.3.238',
      '127.0.3.239',
    ]);
  });

  it('starts 270 hosts on 17 sshd, and a host past 127.0.0.254 answers ssh', async () => {
    const fleet = await startFleet({ hosts: 270 });
    try {
      expect(fleet.sshdPids()).to.have.length(17);
      expect(fleet.hosts.map((h) => h.address).slice(252, 255)).to.deep.equal([
        '127.0.0.254',
        '127.0.1.1',
        '127.0.1.2',
      ]);
      expect(fleet.hosts.at(-1)?.address).to.equal('127.0.1.17');
      for (const address of ['127.0.1.1', '127.0.1.17']) {
        const r = await sshEcho(fleet, address);
        expect(r, r.stderr).to.deep.include({ code: 0, stdout: 'hi\n' });
      }
    } finally {
      await fleet.stop();
    }
  });

  it('says which limit is too low, with what to run, before starting anything (open files under prlimit)', async () => {
    // a child whose hard limit of open files (200) is below what 300 hosts' clients need
    const harness = pathToFileURL(path.join(ROOT, 'spec', 'helpers', 'sshd', 'index.ts')).href;
    const script =
      `const { startFleet } = await import(${JSON.stringify(harness)});` +
      'try { const f = await startFleet({ hosts: 300 }); await f.stop(); console.log("started"); }' +
      'catch (e) { console.log(e.message); }';
    const r = await run('prlimit', [
      '--nofile=200:200',
      process.execPath,
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]);
    expect(r.stdout).to.equal(
      "sshd harness: this machine's limits are too low for 300 hosts:\n" +
        '- open files: the hard limit is 200, 556 are needed for 300 hosts (a socket each): run `ulimit -n 556` ' +
        'as root, or raise nofile in /etc/security/limits.conf, before the tests\n',
    );
  });
});
