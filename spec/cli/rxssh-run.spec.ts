// rxssh end to end against real sshd servers: commands on many hosts, target lists, script mode, gateways.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { expect } from 'chai';

import { linesOf, runCli, sortedLines, useCliFleet } from '../helpers/cli.js';

/** Prints the address the session's sshd was reached on: which host of the fleet ran the command. */
const WHERE = 'set -- $SSH_CONNECTION; echo $3';

/** A shell function: `holder FILTER` prints the name and pid of the process holding the socket `ss` finds. */
const HOLDER =
  'holder() { ss -Htnp state established "$1" | ' +
  `sed -n 's/.*users:(("\\([^"]*\\)",pid=\\([0-9]*\\).*/\\1 \\2/p' | head -1; }`;

/**
 * Prints the address reached and who holds the client end of the session's TCP connection, as
 * `127.0.0.3 sshd 1234`: `sshd` (and its pid) when the connection came through a gateway's sshd, `node`
 * when rxssh connected directly.
 */
const PEER = `${HOLDER}; set -- $SSH_CONNECTION; echo $3 $(holder "( sport = :$2 )")`;

describe('rxssh on real hosts', function () {
  this.timeout(60_000);
  const { fleet, dir, all, rxssh } = useCliFleet(4, 'rxssh-run-');

  describe('commands and targets', () => {
    it('runs on 4 hosts given as a range: host:line, stdout and stderr apart, exit 0', async () => {
      const r = await rxssh(['-t', '127.0.0.[2-5]', `${WHERE}; echo "err $3" >&2`]);
      expect(r.code, r.stderr).to.equal(0);
      expect(sortedLines(r.stdout)).to.deep.equal(all().map((a) => `${a}:${a}`));
      expect(sortedLines(r.stderr)).to.deep.equal(all().map((a) => `${a}:err ${a}`));
    });

    it('-F reads an ssh config file: a Host alias with its HostName, Port, User, IdentityFile', async () => {
      const f = fleet();
      const [address] = all();
      const config = join(dir(), 'ssh_config');
      await writeFile(
        config,
        `Host web\n  HostName ${String(address)}\n  Port ${String(f.port)}\n  User ${f.user}\n` +
          `  IdentityFile ${f.clientKey}\n  UserKnownHostsFile ${f.knownHosts}\n  StrictHostKeyChecking yes\n`,
      );
      const r = await runCli('rxssh', ['-F', config, '-t', 'web', WHERE]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal(`web:${String(address)}\n`);
    });

    it('pads the labels to the longest one, so that the colons line up', async () => {
      const [gw, host] = all();
      const r = await rxssh(['-t', `${String(host)} ${String(gw)}->${String(host)}`, 'echo hi']);
      expect(r.code, r.stderr).to.equal(0);
      const long = `${String(gw)}->${String(host)}`;
      expect(sortedLines(r.stdout)).to.deep.equal(
        [`${String(host).padEnd(long.length)}:hi`, `${long}:hi`].sort(),
      );
    });

    it('takes the words after the first positional as the command, options included', async () => {
      const r = await rxssh(['-t', '127.0.0.2', 'echo', '-l', 'x', '--raw']);
      expect([r.code, r.stdout, r.stderr]).to.deep.equal([0, '127.0.0.2:-l x --raw\n', '']);
    });

    it('takes the words after -- as the command', async () => {
      const r = await rxssh(['-t', '127.0.0.2', '--', 'echo', '-t', 'y']);
      expect([r.code, r.stdout, r.stderr]).to.deep.equal([0, '127.0.0.2:-t y\n', '']);
    });

    it('joins the command words with spaces, for the remote shell', async () => {
      const r = await rxssh(['-t', '127.0.0.2', 'echo', 'a   b', '|', 'tr', 'a', 'A']);
      expect(r.stdout).to.equal('127.0.0.2:A b\n');
    });

    it('reads comma and space separated lists, leaves out -x hosts and duplicates (-l and -p applied)', async () => {
      const r = await rxssh([
        '-t',
        '127.0.0.2,127.0.0.3',
        '-t',
        '127.0.0.4 127.0.0.2',
        '-t',
        '127.0.0.[2-3]',
        '-t',
        `${fleet().user}@127.0.0.4 127.0.0.5:${String(fleet().port)}`,
        '-x',
        '127.0.0.3',
        // -x with a user and port matches the targets that get them from -l and -p
        '-x',
        `${fleet().user}@127.0.0.5:${String(fleet().port)}`,
        `${WHERE}; echo once`,
      ]);
      expect(r.code, r.stderr).to.equal(0);
      expect(sortedLines(r.stdout)).to.deep.equal([
        '127.0.0.2:127.0.0.2',
        '127.0.0.2:once',
        '127.0.0.4:127.0.0.4',
        '127.0.0.4:once',
      ]);
    });

    it('reads a file of targets, relative to the current directory', async () => {
      await writeFile(join(dir(), 'hosts'), '# the fleet\n127.0.0.[4-5]  # two\n');
      const r = await rxssh(['-t', 'hosts', WHERE], dir());
      expect(r.code, r.stderr).to.equal(0);
      expect(sortedLines(r.stdout)).to.deep.equal(['127.0.0.4:127.0.0.4', '127.0.0.5:127.0.0.5']);
    });

    it('works through -w 1 one host at a time', async () => {
      const r = await rxssh([
        '-w',
        '1',
        '-t',
        '127.0.0.[2-4]',
        'echo start $(date +%s%6N); sleep 0.2; echo end $(date +%s%6N)',
      ]);
      expect(r.code, r.stderr).to.equal(0);
      const times = linesOf(r.stdout).map((l) => {
        const [, what = '', us = ''] = /:(start|end) (\d+)$/.exec(l) ?? [];
        return { what, us: Number(us) };
      });
      expect(times.map((t) => t.what)).to.deep.equal(['start', 'end', 'start', 'end', 'start', 'end']);
      // each host starts after the previous one ended
      for (let i = 2; i < times.length; i += 2)
        expect(times[i]?.us ?? 0).to.be.greaterThan(times[i - 1]?.us ?? Infinity);
    });
  });

  describe('script mode (-s)', () => {
    it('copies a local script and its --include files to each host, runs it with ARGS, removes them', async () => {
      await writeFile(
        join(dir(), 'script.sh'),
        '#!/bin/sh\necho "$# args: $1|$2"\ncat "$(dirname "$0")/data.txt"\necho "dir: $(dirname "$0")"\n',
      );
      await writeFile(join(dir(), 'data.txt'), 'some data\n');
      const r = await rxssh(
        ['-t', '127.0.0.[2-3]', '--include', 'data.txt', '-s', 'script.sh', 'arg1', 'arg 2'],
        dir(),
      );
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.equal('');
      const lines = sortedLines(r.stdout);
      const dirs = lines.filter((l) => l.includes(':dir: ')).map((l) => l.slice(l.indexOf(':dir: ') + 6));
      expect(lines.filter((l) => !l.includes(':dir: '))).to.deep.equal([
        '127.0.0.2:2 args: arg1|arg 2',
        '127.0.0.2:some data',
        '127.0.0.3:2 args: arg1|arg 2',
        '127.0.0.3:some data',
      ]);
      expect(dirs).to.have.length(2);
      expect(new Set(dirs).size, 'a private directory per host').to.equal(2);
      for (const d of dirs) expect(existsSync(d), `${d} removed`).to.equal(false);
    });

    it('runs inline text as a script, with its arguments', async () => {
      const r = await rxssh([
        '-t',
        '127.0.0.[2-3]',
        '-s',
        'echo "$2 $1"; echo "dir: $(dirname "$0")"',
        'one',
        'two',
      ]);
      expect(r.code, r.stderr).to.equal(0);
      const lines = sortedLines(r.stdout);
      expect(lines.filter((l) => !l.includes(':dir: '))).to.deep.equal([
        '127.0.0.2:two one',
        '127.0.0.3:two one',
      ]);
      const dirs = lines.filter((l) => l.includes(':dir: ')).map((l) => l.slice(l.indexOf(':dir: ') + 6));
      expect(dirs).to.have.length(2);
      for (const d of dirs) expect(existsSync(d), `${d} removed`).to.equal(false);
    });

    it('reports the exit status of the script', async () => {
      const r = await rxssh(['-t', '127.0.0.2', '-s', 'echo before; exit 5']);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('127.0.0.2:before\n');
      expect(linesOf(r.stderr)[1]).to.match(/^ {2}127\.0\.0\.2 {2}exit 5 {2}/);
    });
  });

  describe('gateways', () => {
    /** `{address: [holder, pid]}` from the PEER lines of stdout. */
    const peers = (stdout: string): Record<string, string[]> =>
      Object.fromEntries(
        linesOf(stdout).map((l) => {
          const [address = '', ...rest] = l.slice(l.indexOf(':') + 1).split(' ');
          return [address, rest];
        }),
      );

    it('-g GW: every other host through one shared connection of the gateway', async () => {
      const [gw, ...others] = all();
      const r = await rxssh(['-g', String(gw), '-t', others.join(','), PEER]);
      expect(r.code, r.stderr).to.equal(0);
      const seen = peers(r.stdout);
      expect(Object.keys(seen).sort()).to.deep.equal(others);
      const holders = Object.values(seen);
      expect(holders.map((h) => h[0])).to.deep.equal(['sshd', 'sshd', 'sshd']);
      expect(new Set(holders.map((h) => h[1])).size, 'one gateway connection').to.equal(1);
    });

    it('without a gateway the connections come from rxssh itself', async () => {
      const r = await rxssh(['-t', '127.0.0.[3-4]', PEER]);
      expect(Object.values(peers(r.stdout)).map((h) => h[0])).to.deep.equal(['node', 'node']);
    });

    it('gw->host targets go through their own gateway, None->host direct, others as -g says', async () => {
      const r = await rxssh([
        '-g',
        '127.0.0.3',
        '-t',
        '127.0.0.2->127.0.0.4 None->127.0.0.5 127.0.0.2',
        PEER,
      ]);
      expect(r.code, r.stderr).to.equal(0);
      const seen = peers(r.stdout);
      expect(Object.keys(seen).sort()).to.deep.equal(['127.0.0.2', '127.0.0.4', '127.0.0.5']);
      expect(seen['127.0.0.4']?.[0]).to.equal('sshd');
      expect(seen['127.0.0.2']?.[0]).to.equal('sshd');
      expect(seen['127.0.0.5']?.[0]).to.equal('node');
      expect(seen['127.0.0.4']?.[1], 'two different gateways').not.to.equal(seen['127.0.0.2']?.[1]);
    });

    it('-J GW1,GW2: a chain of two gateways, shared by the targets', async () => {
      const port = String(fleet().port);
      // the targets see GW2's sshd at the other end; GW2's own session comes from GW1's sshd
      const hop = `echo hop $(holder "( dst 127.0.0.3 and dport = :${port} )")`;
      const r = await rxssh(['-J', '127.0.0.2,127.0.0.3', '-t', '127.0.0.[4-5]', `${PEER}; ${hop}`]);
      expect(r.code, r.stderr).to.equal(0);
      const seen = peers(
        linesOf(r.stdout)
          .filter((l) => !l.includes(':hop '))
          .join('\n'),
      );
      expect(Object.keys(seen).sort()).to.deep.equal(['127.0.0.4', '127.0.0.5']);
      expect(Object.values(seen).map((h) => h[0])).to.deep.equal(['sshd', 'sshd']);
      expect(new Set(Object.values(seen).map((h) => h[1])).size).to.equal(1);
      const hops = linesOf(r.stdout).filter((l) => l.includes(':hop '));
      expect(hops.map((l) => l.replace(/^.*:hop (\w+).*$/, '$1'))).to.deep.equal(['sshd', 'sshd']);
    });

    it('-O ProxyJump=GW works as -g, and ProxyJump=none means direct', async () => {
      const via = await rxssh(['-O', 'ProxyJump=127.0.0.2', '-t', '127.0.0.3', PEER]);
      expect([via.code, peers(via.stdout)['127.0.0.3']?.[0]]).to.deep.equal([0, 'sshd']);
      const direct = await rxssh(['-O', 'ProxyJump=none', '-t', '127.0.0.3', PEER]);
      expect([direct.code, peers(direct.stdout)['127.0.0.3']?.[0]], direct.stderr).to.deep.equal([0, 'node']);
    });

    it("-J none, -O ProxyJump=none and None->host override the ssh config's ProxyJump", async () => {
      const f = fleet();
      const config = join(dir(), 'ssh_config_jump');
      await writeFile(
        config,
        'Host 127.0.0.3\n  ProxyJump 127.0.0.2\n' +
          `Host *\n  Port ${String(f.port)}\n  User ${f.user}\n  IdentityFile ${f.clientKey}\n` +
          `  UserKnownHostsFile ${f.knownHosts}\n  StrictHostKeyChecking yes\n`,
      );
      const holderOf = async (args: string[]): Promise<string | undefined> => {
        const r = await runCli('rxssh', ['-F', config, ...args, PEER]);
        expect(r.code, r.stderr).to.equal(0);
        return peers(r.stdout)['127.0.0.3']?.[0];
      };
      expect(await holderOf(['-t', '127.0.0.3']), 'the config says through 127.0.0.2').to.equal('sshd');
      expect(await holderOf(['-J', 'none', '-t', '127.0.0.3'])).to.equal('node');
      expect(await holderOf(['-O', 'ProxyJump=none', '-t', '127.0.0.3'])).to.equal('node');
      expect(await holderOf(['-t', 'None->127.0.0.3'])).to.equal('node');
    });
  });
});
