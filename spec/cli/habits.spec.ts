// pssh and clush habits (issue 11 §5): a value that reads as theirs is refused, exit 2, with one line naming
// the rxssh option that does what they meant (and how to force rxssh's own reading); typos get a
// did-you-mean in both CLIs. Built CLIs, no server: nothing here may connect anywhere.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { expect } from 'chai';

import { rxsshOptionsFor } from '../../lib/cli/habits.js';
import type { CliName, CliResult } from '../helpers/cli.js';
import { ensureBuilt, linesOf, runCli } from '../helpers/cli.js';

/** Exit 2, nothing on stdout, `<bin>: <message>` on one line (then the hint to --help), no stack trace. */
const expectRefused = (r: CliResult, bin: CliName, message: RegExp): void => {
  expect(r.code, r.stderr).to.equal(2);
  expect(r.stdout).to.equal('');
  const lines = linesOf(r.stderr);
  expect(lines[0]).to.match(new RegExp(`^${bin}: `));
  expect(lines[0]).to.match(message);
  expect(lines.slice(1)).to.deep.equal(lines.length > 1 ? [`Try '${bin} --help' for the options.`] : []);
};

describe('rxsshOptionsFor', () => {
  it('gives the rxssh options for ssh arguments, as clush -o and pssh -x take them', () => {
    expect(rxsshOptionsFor('-oConnectTimeout=5')).to.equal('-O ConnectTimeout=5');
    expect(rxsshOptionsFor('-p 2022 -i ~/.ssh/myidrsa')).to.equal('-p 2022 -i ~/.ssh/myidrsa');
    expect(rxsshOptionsFor('-o StrictHostKeyChecking=no -lroot')).to.equal(
      '-O StrictHostKeyChecking=no -l root',
    );
    expect(rxsshOptionsFor('BatchMode=yes')).to.equal('-O BatchMode=yes');
    expect(rxsshOptionsFor('-T -v')).to.equal(undefined);
  });
});

describe('pssh and clush habits (built CLIs)', function () {
  this.timeout(60_000);
  let dir: string;
  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rxssh-habits-'));
    fs.writeFileSync(path.join(dir, 'hosts.txt'), 'h1\nh2\n');
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const refused: [string, string[], RegExp][] = [
    [
      "clush -o 'opts' (no directory created)",
      ['-o', 'ConnectTimeout=5', '-t', '127.0.0.9', 'true'],
      /^rxssh: -o ConnectTimeout=5: -o names the output directory; OpenSSH options go with -O ConnectTimeout=5 \(clush -o\); for a directory of that name, write -o \.\/ConnectTimeout=5$/,
    ],
    [
      'clush -o "-oOpt=v" (ssh spelling)',
      ['-o', '-oConnectTimeout=5', '-t', 'h', 'true'],
      /-o -oConnectTimeout=5: -o names the output directory; OpenSSH options go with -O ConnectTimeout=5/,
    ],
    [
      'clush -o "-p 2022 -i key"',
      ['-o', '-p 2022 -i key', '-t', 'h', 'true'],
      /OpenSSH options go with -p 2022 -i key \(clush -o\)/,
    ],
    [
      'ssh_config spelling with a space',
      ['-o', 'ConnectTimeout 5', '-t', 'h', 'true'],
      /-O ConnectTimeout=5 .*write -o '\.\/ConnectTimeout 5'/,
    ],
    [
      'pssh -p 32 (parallelism) with 2 hosts',
      ['-p', '32', '-t', 'a,b', 'true'],
      /-p 32 with 2 hosts: -p is the port; to work on 32 hosts at once, write -w 32 \(pssh -p\); to connect to port 32, write -O Port=32/,
    ],
    [
      'pssh -h FILE (hosts file)',
      ['-h', 'hosts.txt', 'uptime'],
      /-h hosts\.txt: -h is rxssh's help; hosts from a file go with -t hosts\.txt \(pssh -h\)/,
    ],
    [
      'pssh -t 30 (timeout)',
      ['-t', 'h', '-t', '30', 'true'],
      /-t 30: -t names hosts; a time limit per host is --timeout 30 \(pssh -t\), for connecting -c 30 \(clush -t\)/,
    ],
    [
      'pssh -x "-o Opt=v"',
      ['-x', '-o StrictHostKeyChecking=no', '-t', 'h', 'true'],
      /-x -o StrictHostKeyChecking=no: -x excludes hosts; OpenSSH options go with -O StrictHostKeyChecking=no \(pssh -x\)/,
    ],
    ['pssh -i (inline) read as a key', ['-t', 'h', '-i', 'uptime', 'true'], /-i uptime: no such key file/],
    [
      'pssh -H',
      ['-H', 'h1', 'uptime'],
      /Unknown option '-H' \(pssh's -H names hosts: rxssh takes them with -t/,
    ],
    [
      'pssh -e ERRDIR',
      ['-e', 'err', '-t', 'h', 'true'],
      /Unknown option '-e' \(pssh's -e ERRDIR: rxssh -o DIR/,
    ],
    ['pssh -I', ['-I', '-t', 'h', 'cat'], /Unknown option '-I' \(pssh's -I/],
    [
      'clush -w NODES',
      ['-w', 'node[1-3]', 'true'],
      /-w node\[1-3\]: -w is how many hosts to work on at once; hosts go with -t node\[1-3\] \(clush -w\)/,
    ],
    [
      'clush -g GROUP',
      ['-g', 'web', 'uptime'],
      /no target given: -g web names a gateway, not a group of hosts \(clush -g\)/,
    ],
    [
      'clush -c FILE',
      ['-t', 'h', '-c', 'file.tgz'],
      /-c file\.tgz: -c is the connection timeout in seconds; copies are rxssh push file\.tgz @:REMOTEDIR/,
    ],
    [
      'clush --copy',
      ['-t', 'h', '--copy', 'f'],
      /Unknown option '--copy' \(clush's --copy: rxssh push LOCAL\.\.\. @:REMOTEDIR\)/,
    ],
    ['clush --rcopy', ['-t', 'h', '--rcopy', 'f'], /Unknown option '--rcopy' \(clush's --rcopy: rxssh pull/],
    ['clush -B', ['-B', '-t', 'h', 'true'], /Unknown option '-B' \(clush's -B: rxssh -b/],
    [
      'clush -f FANOUT',
      ['-f', '8', '-t', 'h', 'true'],
      /Unknown option '-f' \(clush's -f FANOUT: rxssh -w N/,
    ],
    [
      'clush -u TIMEOUT',
      ['-u', '8', '-t', 'h', 'true'],
      /Unknown option '-u' \(clush's -u TIMEOUT: rxssh --timeout S\)/,
    ],
    [
      'ssh -o given to -O',
      ['-O', '-oConnectTimeout=5', '-t', 'h', 'true'],
      /-O -oConnectTimeout=5: -O takes Name=value, without ssh's -o: -O ConnectTimeout=5/,
    ],
    [
      'any other value starting with -',
      ['-t', '-foo', 'true'],
      /-t -foo: a value starting with '-' looks like an option; if it is meant, write --target=-foo/,
    ],
  ];
  for (const [what, args, message] of refused)
    it(`refuses ${what}`, async () => {
      expectRefused(await runCli('rxssh', args, { cwd: dir }), 'rxssh', message);
    });

  it('clush -L with a command: lists the targets, and says on stderr that the command was not run', async () => {
    const r = await runCli('rxssh', ['-L', '-t', 'h1,h2', 'uptime'], { cwd: dir });
    expect([r.code, r.stdout, r.stderr]).to.deep.equal([
      0,
      'h1\nh2\n',
      "rxssh: -L lists the targets and runs nothing: uptime was not run (clush's -L: rxssh -b)\n",
    ]);
  });

  it('creates no directory for a refused -o, in rxssh and rxjobs', async () => {
    await runCli('rxssh', ['-o', 'ConnectTimeout=5', '-t', '127.0.0.9', 'true'], { cwd: dir });
    const r = await runCli('rxjobs', ['run', '-o', 'ConnectTimeout=5', 'x.yaml'], { cwd: dir });
    expectRefused(r, 'rxjobs', /-o ConnectTimeout=5: -o names the output directory/);
    expect(fs.readdirSync(dir)).to.deep.equal(['hosts.txt']);
  });

  const forced: [string, string[]][] = [
    ['-o ./ConnectTimeout=5', ['-o', './ConnectTimeout=5', '-n', '-t', 'h', 'true']],
    ['-o results/run=3', ['-o', 'results/run=3', '-n', '-t', 'h', 'true']],
    ['-p 32 for one host', ['-p', '32', '-n', '-t', 'h', 'true']],
    ['-O Port=32 for two hosts', ['-O', 'Port=32', '-n', '-t', 'a,b', 'true']],
    ['-p 2222 for two hosts', ['-p', '2222', '-n', '-t', 'a,b', 'true']],
    ['-h alone, and after the targets', ['-t', 'h', '-h']],
    ['-t 10.0.0.5', ['-n', '-t', '10.0.0.5', 'true']],
  ];
  for (const [what, args] of forced)
    it(`accepts ${what}`, async () => {
      const r = await runCli('rxssh', args, { cwd: dir });
      expect([r.code, r.stderr], args.join(' ')).to.deep.equal([0, '']);
    });

  for (const bin of ['rxssh', 'rxjobs'] as const)
    it(`${bin}: a misspelt option gets a did-you-mean (--tiemout)`, async () => {
      const args =
        bin === 'rxssh' ? ['--tiemout', '3', '-t', 'h', 'true'] : ['run', '--tiemout', '3', 'x.yaml'];
      expectRefused(
        await runCli(bin, args, { cwd: dir }),
        bin,
        /Unknown option '--tiemout', did you mean --timeout\?$/,
      );
    });
});
