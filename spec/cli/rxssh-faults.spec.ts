// rxssh end to end when things go wrong: failing commands, refused hosts, bad keys, timeouts, signals,
// Ctrl-C and a reader that goes away; exit statuses, the failure summary, and no remote process left.
import { expect } from 'chai';

import type { CliResult } from '../helpers/cli.js';
import { fleetArgs, linesOf, marker, runCli, sortedLines, startCli, useCliFleet } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { blackHole, refusedPort, remoteProcesses } from '../helpers/sshd.js';

/** Exits with 3 on 127.0.0.3, is killed by SIGTERM on 127.0.0.4, prints its address elsewhere. */
const MIXED =
  'set -- $SSH_CONNECTION; case $3 in 127.0.0.3) echo three; exit 3;; 127.0.0.4) kill -TERM $$;; esac; echo $3';

/** A command that runs long, findable by `mark` (its shell) and by its unique sleep (`sleep 29.<digits>`). */
const longCommand = (mark: string): { command: string; sleep: string } => {
  const sleep = `sleep 29.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`;
  return { command: `${sleep}; echo ${mark}`, sleep };
};

const gone = async (...patterns: string[]): Promise<boolean> =>
  eventually(async () =>
    (await Promise.all(patterns.map(remoteProcesses))).every((pids) => pids.length === 0),
  );

const expectNoStackTrace = (r: CliResult): void => {
  expect(r.stderr).not.to.match(/^\s+at |internal error|Unhandled/m);
};

describe('rxssh failures (real hosts)', function () {
  this.timeout(60_000);
  const { fleet, rxssh } = useCliFleet(3);

  it('exits 0 when every host succeeds, and prints no summary', async () => {
    const r = await rxssh(['-t', '127.0.0.[2-4]', 'true']);
    expect([r.code, r.stdout, r.stderr]).to.deep.equal([0, '', '']);
  });

  it('exits 1 when a command fails or is killed; the summary names the hosts and how', async () => {
    const r = await rxssh(['-t', '127.0.0.[2-4]', MIXED]);
    expect(r.code).to.equal(1);
    expect(sortedLines(r.stdout)).to.deep.equal(['127.0.0.2:127.0.0.2', '127.0.0.3:three']);
    const summary = linesOf(r.stderr);
    expect(summary[0]).to.equal('rxssh: 2 of 3 hosts failed:');
    // statuses padded to the longest; lines whole when stderr is not a terminal (never cut)
    expect(summary[1]).to.match(/^ {2}127\.0\.0\.3 {2}exit 3 {13}command "set -- .*" failed \(exit 3\)$/);
    expect(summary[2]).to.match(
      /^ {2}127\.0\.0\.4 {2}killed by SIGTERM {2}command "set -- .*" failed \(killed by SIGTERM\)$/,
    );
    expect(summary[1]).to.contain(MIXED);
    expect(summary).to.have.length(3);
  });

  it('exits 1 for a refused host, the others still run', async () => {
    const port = await refusedPort();
    const r = await rxssh(['-t', `127.0.0.2 127.0.0.1:${String(port)}`, 'echo ok']);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.equal('127.0.0.2:ok\n');
    const summary = linesOf(r.stderr);
    expect(summary[0]).to.equal('rxssh: 1 of 2 hosts failed:');
    expect(summary[1]).to.match(
      new RegExp(`^ {2}127\\.0\\.0\\.1 {2}refused {2}.*ECONNREFUSED 127\\.0\\.0\\.1:${String(port)}`),
    );
    expect(summary).to.have.length(2);
  });

  it('exits 1 when the key is refused: auth failed', async () => {
    const args = fleetArgs(fleet()).map((a) => (a === fleet().clientKey ? fleet().wrongKey : a));
    const r = await runCli('rxssh', [...args, '-t', '127.0.0.2', 'echo ok']);
    expect([r.code, r.stdout]).to.deep.equal([1, '']);
    expect(linesOf(r.stderr)).to.have.length(2);
    expect(linesOf(r.stderr)[1]).to.match(/^ {2}127\.0\.0\.2 {2}auth failed {2}.*authentication refused/);
  });

  it('exits 1 for a host key that does not match known_hosts', async () => {
    const args = fleetArgs(fleet()).map((a) =>
      a === `UserKnownHostsFile=${fleet().knownHosts}` ? 'UserKnownHostsFile=/dev/null' : a,
    );
    const r = await runCli('rxssh', [...args, '-t', '127.0.0.2', 'echo ok']);
    expect([r.code, r.stdout]).to.deep.equal([1, '']);
    expect(linesOf(r.stderr)[1]).to.match(/^ {2}127\.0\.0\.2 {2}host key \w+/);
  });

  it('--timeout kills a long command: timeout after 1 s, and no remote process is left', async () => {
    const mark = marker('timeout');
    const { command, sleep } = longCommand(mark);
    const r = await rxssh(['--timeout', '1', '-t', '127.0.0.[2-3]', command]);
    expect(r.code).to.equal(1);
    expect(r.durationMs).to.be.lessThan(10_000);
    // one reason for both hosts: folded, each one's name shown as <host>
    expect(linesOf(r.stderr).slice(1)).to.deep.equal([
      '  127.0.0.[2-3]  timeout after 1 s  job "<host>" timed out after 1000 ms and was cancelled',
    ]);
    expect(await gone(mark, sleep), 'remote processes left').to.equal(true);
  });

  it('--timeout also bounds a connection that never answers; -c bounds the connection alone', async () => {
    const hole = await blackHole();
    try {
      const target = `127.0.0.1:${String(hole.port)}`;
      const r = await rxssh(['--timeout', '1', '-t', target, 'true']);
      expect(r.code).to.equal(1);
      expect(r.durationMs).to.be.lessThan(10_000);
      expect(linesOf(r.stderr)[1]).to.match(/^ {2}127\.0\.0\.1 {2}timeout after 1 s/);
      const c = await rxssh(['-c', '1', '-O', 'ConnectionAttempts=1', '-t', target, 'true']);
      expect(c.code).to.equal(1);
      expect(c.durationMs).to.be.lessThan(10_000);
      expect(linesOf(c.stderr)[1]).to.match(/^ {2}127\.0\.0\.1 {2}connect timeout \(1 s\)/);
    } finally {
      await hole.close();
    }
  });

  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)
    it(`${signal} (Ctrl-C, kill, a closed terminal) stops the run: exit ${String(status)}, remote commands killed`, async () => {
      const mark = marker(signal.toLowerCase());
      const { command, sleep } = longCommand(mark);
      const cli = startCli('rxssh', [...fleetArgs(fleet()), '-t', '127.0.0.[2-3]', command]);
      try {
        // both shells (their command lines hold the marker) and both sleeps
        const running = await eventually(
          async () =>
            (await remoteProcesses(mark)).length === 2 && (await remoteProcesses(sleep)).length === 4,
          15_000,
        );
        expect(running, `the commands did not start: ${cli.output().stderr}`).to.equal(true);
        cli.child.kill(signal);
        const r = await cli.result;
        expect(r.code).to.equal(status);
        expect(r.stdout).to.equal('');
        expect(r.stderr).to.equal('rxssh: 2 of 2 hosts failed:\n  127.0.0.[2-3]  interrupted\n');
        expect(await gone(mark, sleep), 'remote processes left').to.equal(true);
      } finally {
        cli.child.kill('SIGKILL');
      }
    });

  it('a second Ctrl-C while stopping does not cut the kills short: TERM-proof commands are gone too', async () => {
    const mark = marker('twice');
    // a shell that ignores TERM: only the KILL after the grace period ends it
    const command = `trap '' TERM; while :; do sleep 0.1; done # ${mark}`;
    const cli = startCli('rxssh', [...fleetArgs(fleet()), '-t', '127.0.0.[2-3]', command]);
    try {
      const running = await eventually(async () => (await remoteProcesses(mark)).length === 2, 15_000);
      expect(running, `the commands did not start: ${cli.output().stderr}`).to.equal(true);
      cli.child.kill('SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 50));
      cli.child.kill('SIGINT');
      const r = await cli.result;
      expect(r.code).to.equal(130);
      expect(r.stderr).to.include('rxssh: stopping: killing what still runs on the hosts');
      expect(await gone(mark), 'remote processes left').to.equal(true);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  describe('a reader that goes away (rxssh ... | head)', () => {
    /** Runs rxssh, closes its stdout after the first chunk of output, and waits for its end. */
    const readOnce = async (args: readonly string[]): Promise<CliResult> => {
      const cli = startCli('rxssh', [...fleetArgs(fleet()), ...args]);
      cli.child.stdout?.once('data', () => {
        cli.child.stdout?.destroy();
      });
      try {
        return await cli.result;
      } finally {
        cli.child.kill('SIGKILL');
      }
    };

    for (const [mode, flags] of [
      ['lines', []],
      ['--json', ['--json']],
      ['--raw', ['--raw']],
    ] as const)
      it(`stops the run with ${mode}: exit 141 (SIGPIPE), no stack trace, no remote process left`, async () => {
        const mark = marker('pipe');
        const { command, sleep } = longCommand(mark);
        const r = await readOnce([...flags, '-t', '127.0.0.[2-3]', `seq 1 20000; ${command}`]);
        expectNoStackTrace(r);
        expect(r.code, r.stderr).to.equal(141);
        expect(r.durationMs).to.be.lessThan(20_000);
        expect(await gone(mark, sleep), 'remote processes left').to.equal(true);
      });

    it('-b writes its blocks at the end: a closed stdout then is no crash', async () => {
      const r = await readOnce(['-b', '-t', '127.0.0.[2-3]', 'seq 1 100000']);
      expectNoStackTrace(r);
      expect(r.code, r.stderr).to.equal(0);
    });
  });
});
