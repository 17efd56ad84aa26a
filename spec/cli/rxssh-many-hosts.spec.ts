/**
 * rxssh on many hosts at once (the built CLI, real sshd with OpenSSH's default MaxStartups 10:30:100): no host
 * lost to a server's burst of handshakes, and the limit of open files checked before connecting anywhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { expect } from 'chai';

import { cliPath, linesOf, startProgram, useCliFleet } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';

describe('rxssh on many hosts at once (built CLI, real sshd)', function () {
  this.timeout(60_000);
  // 40 hosts on 3 sshd (16, 16, 8 addresses), MaxStartups left at OpenSSH's default
  const { rxssh, all, fleet, dir } = useCliFleet(40, 'rxssh-many-');

  /** rxssh under `prlimit --nofile=LIMIT` (soft:hard), with the fleet's options. */
  const rxsshLimited = (limit: string, args: readonly string[]): Promise<CliResult> => {
    const f = fleet();
    const options = [
      ...['-l', f.user, '-p', String(f.port), '-i', f.clientKey, '-F', 'none'],
      ...['-O', `UserKnownHostsFile=${f.knownHosts}`, '-O', 'StrictHostKeyChecking=yes'],
    ];
    return startProgram('prlimit', [
      `--nofile=${limit}`,
      process.execPath,
      cliPath('rxssh'),
      ...options,
      ...args,
    ]).result;
  };

  it('reaches all 40 hosts at once, twice in a row, losing none', async () => {
    for (let round = 0; round < 2; round++) {
      const r = await rxssh(['-w', '40', '--no-record', '-t', all().join(','), 'echo', 'ok']);
      expect(r.stderr, `round ${String(round)}`).to.equal('');
      expect(r.code).to.equal(0);
      expect(
        linesOf(r.stdout)
          .map((l) => l.replace(/\s+:/, ':'))
          .sort(),
      ).to.deep.equal(
        all()
          .map((h) => `${h}:ok`)
          .sort(),
      );
    }
  });

  it('stops before connecting, in one line, when the hosts at once need more open files than the hard limit', async () => {
    // 300 hosts that do not exist: nothing may be tried on them
    const hosts = ['127.0.5.[1-250]', '127.0.6.[1-50]'];
    const targets = hosts.flatMap((t) => ['-t', t]);
    const r = await rxsshLimited('256:256', ['-w', '300', '--no-record', ...targets, 'true']);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.equal(
      'rxssh: 300 hosts at once need about 332 open files, and this process may open 256, the hard limit ' +
        '(`ulimit -Hn`): raise it before running rxssh (`ulimit -n 332`, as root for a hard limit, or nofile ' +
        'in /etc/security/limits.conf), or work on fewer hosts at once (-w 224)\n',
    );
    // the -w it gives fits: the run goes on to connect (refused: nothing listens there)
    const fits = await rxsshLimited('256:256', [
      ...['-w', '224', '--no-record', '-c', '2', '-O', 'ConnectionAttempts=1'],
      ...targets,
      'true',
    ]);
    expect(fits.code).to.equal(1);
    expect(fits.stderr).to.match(/300 of 300 hosts failed/);
    expect(fits.stderr).to.not.match(/open files/);
  });

  it('counts the files kept open to the end (those of -o and of the record) for every host, whatever the window', async () => {
    const targets = ['-t', '127.0.5.[1-200]'];
    const out = path.join(dir(), 'never');
    const r = await rxsshLimited('256:256', [
      '-w',
      '20',
      '-o',
      out,
      '--record-dir',
      dir(),
      ...targets,
      'true',
    ]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal(
      'rxssh: 200 hosts, 20 at once, need about 652 open files, and this process may open 256, the hard limit ' +
        '(`ulimit -Hn`): raise it before running rxssh (`ulimit -n 652`, as root for a hard limit, or nofile ' +
        'in /etc/security/limits.conf), or run on fewer hosts (the run record one file per host and -o two ' +
        'files per host, open to the end)\n',
    );
    expect(fs.existsSync(out)).to.equal(false);
  });

  it('works with a low soft limit when the hard one allows more (node raises it at start)', async () => {
    // -o: a socket and two files per host, some 150 descriptors at once, with a soft limit of 64
    const out = path.join(dir(), 'out');
    const r = await rxsshLimited('64:4096', [
      '-w',
      '40',
      '--no-record',
      '-o',
      out,
      '-t',
      all().join(','),
      'echo ok; sleep 0.5',
    ]);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    for (const h of all()) expect(fs.readFileSync(path.join(out, h), 'utf8')).to.equal('ok\n');
  });
});
