// rxssh end to end, without servers: bad command lines (exit 2, one clear message), --help, --version,
// --dry-run and -L (which must touch no network).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import { RXSSH_HELP } from '../../lib/cli/rxssh-options.js';
import { parseSshOptions } from '../../lib/cli/ssh-options.js';
import type { CliResult } from '../helpers/cli.js';
import { ensureBuilt, linesOf, ROOT, runCli } from '../helpers/cli.js';

/** A bad command line: exit 2, nothing on stdout, a first line `rxssh: <message>`, no stack trace. */
const expectUsageError = (r: CliResult, message: RegExp): void => {
  expect(r.code, r.stderr).to.equal(2);
  expect(r.stdout).to.equal('');
  const lines = linesOf(r.stderr);
  expect(lines[0]).to.match(/^rxssh: /);
  expect(lines[0]).to.match(message);
  // at most the hint to --help after it
  expect(lines.slice(1)).to.deep.equal(lines.length > 1 ? ["Try 'rxssh --help' for the options."] : []);
  expect(r.stderr).not.to.match(/^\s+at /m);
};

/** A TCP server on 127.0.0.1 that counts the connections it gets (none expected). */
const connectionCounter = async (): Promise<{
  port: number;
  count: () => number;
  close: () => Promise<void>;
}> => {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    count: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
};

describe('rxssh command line (built CLI, no server)', function () {
  this.timeout(60_000);
  let dir: string;

  before(async function () {
    this.timeout(180_000);
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'rxssh-args-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('bad input: exit 2 and one clear line', () => {
    const cases: [string, string[], RegExp][] = [
      ['a descending range', ['-t', 'fit[3-1]', 'true'], /fit\[3-1\].*descending/],
      ['a missing target file', ['-t', './missing.txt', 'true'], /\.\/missing\.txt.*no such file/],
      ['an empty -t', ['-t', '', 'true'], /-t "": no host name given/],
      ['no -t', ['true'], /no target given/],
      ['no command', ['-t', 'h'], /no command given/],
      ['an unknown option', ['--bogus', '-t', 'h', 'true'], /Unknown option '--bogus'/],
      [
        'a misspelt option',
        ['--windw', '2', '-t', 'h', 'true'],
        /Unknown option '--windw', did you mean --window\?/,
      ],
      ['-w 0', ['-w', '0', '-t', 'h', 'true'], /-w\/--window expects a whole number of at least 1, got '0'/],
      ['-O Bogus=1', ['-O', 'Bogus=1', '-t', 'h', 'true'], /-O Bogus=1: not an option rxssh honours/],
      [
        '-O StrictHostKeyChecking=maybe',
        ['-O', 'StrictHostKeyChecking=maybe', '-t', 'h', 'true'],
        /-O StrictHostKeyChecking=maybe: expected yes, accept-new or no/,
      ],
      ['-o with -d', ['-o', 'x', '-d', '-t', 'h', 'true'], /-o and -d/],
      ['--mark without a directory', ['--mark', '-t', 'h', 'true'], /--mark .* -o DIR or -d/],
      ['--include without -s', ['--include', 'f', '-t', 'h', 'true'], /--include goes with -s/],
      ['--json with -b', ['--json', '-b', '-t', 'h', 'true'], /--json and -b both write stdout/],
      [
        'excluding every target',
        ['-t', 'a,b', '-x', 'a', '-x', 'b', 'true'],
        /no target left after -x a -x b/,
      ],
      ['a bad jump host', ['-J', 'a,,b', '-t', 'h', 'true'], /hop 2 is empty/],
      ['a missing -s file', ['-t', 'h', '-s', './nope.sh'], /-s \.\/nope\.sh: no such file/],
      ['a missing -F file', ['-F', '/nonexistent', '-t', 'h', 'true'], /-F \/nonexistent: no such file/],
    ];
    for (const [what, args, message] of cases)
      it(`rejects ${what}`, async () => {
        expectUsageError(await runCli('rxssh', args), message);
      });

    it('rejects an -o that cannot be a directory, before connecting and at once (even under /proc)', async () => {
      const regular = join(dir, 'regular');
      await writeFile(regular, '');
      for (const [out, why] of [
        [regular, /ENOTDIR/],
        [join(regular, 'sub'), /ENOTDIR/],
        ['/proc/rxssh-x', /ENOENT/],
        ['/sys/rxssh-x', /EPERM|EACCES|EROFS/],
      ] as const) {
        const r = await runCli('rxssh', ['-o', out, '-t', '127.0.0.9', 'true'], { timeoutMs: 10_000 });
        expectUsageError(r, new RegExp(`-o ${out}: cannot write per-host files there \\(.*${why.source}`));
      }
    });

    it('rejects a push of a missing local file, before connecting', async () => {
      const server = await connectionCounter();
      try {
        const r = await runCli(
          'rxssh',
          ['push', '-t', `127.0.0.1:${String(server.port)}`, 'missing.txt', '@:/tmp'],
          {
            cwd: dir,
          },
        );
        expectUsageError(r, new RegExp(`push: ${join(dir, 'missing.txt')}: no such file or directory`));
        expect(server.count()).to.equal(0);
      } finally {
        await server.close();
      }
    });

    it('rejects remote paths without @: (push and pull) and local ones with it', async () => {
      await writeFile(join(dir, 'f.txt'), 'x');
      expectUsageError(
        await runCli('rxssh', ['push', '-t', 'h', 'f.txt', '/tmp/x'], { cwd: dir }),
        /push: '\/tmp\/x' is not remote: remote paths start with @:/,
      );
      expectUsageError(
        await runCli('rxssh', ['pull', '-t', 'h', '/tmp/x', 'out'], { cwd: dir }),
        /pull: '\/tmp\/x' is not remote/,
      );
      expectUsageError(
        await runCli('rxssh', ['pull', '-t', 'h', '@:/tmp/x', '@:out'], { cwd: dir }),
        /pull: '@:out' is remote, but a local path goes there/,
      );
      expectUsageError(
        await runCli('rxssh', ['push', '-t', 'h', 'f.txt']),
        /push needs at least one local path/,
      );
    });
  });

  describe('--help and --version', () => {
    it('prints the help on stdout, exit 0', async () => {
      for (const flag of ['--help', '-h']) {
        const r = await runCli('rxssh', [flag]);
        expect(r.code).to.equal(0);
        expect(r.stdout).to.equal(`${RXSSH_HELP}\n`);
        expect(r.stderr).to.equal('');
      }
      const push = await runCli('rxssh', ['push', '--help']);
      expect([push.code, push.stdout]).to.deep.equal([0, `${RXSSH_HELP}\n`]);
    });

    it('prints rxssh and the package version, also after push or pull', async () => {
      const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
        version: string;
      };
      for (const args of [['--version'], ['-V'], ['push', '--version'], ['pull', '-V']]) {
        const r = await runCli('rxssh', args);
        expect([r.code, r.stdout, r.stderr], args.join(' ')).to.deep.equal([0, `rxssh ${version}\n`, '']);
      }
    });
  });

  describe('--dry-run and -L: the hosts, no network', () => {
    let server: Awaited<ReturnType<typeof connectionCounter>>;
    before(async () => {
      server = await connectionCounter();
    });
    after(() => server.close());
    afterEach(() => {
      expect(server.count(), 'connections made').to.equal(0);
    });

    it('-n prints the hosts, their gateways and the command', async () => {
      const local = `127.0.0.1:${String(server.port)}`;
      const r = await runCli('rxssh', [
        '-n',
        '-t',
        `nowhere.invalid,gw.invalid->x.invalid ${local} None->direct.invalid`,
        '-x',
        'x.invalid',
        '-g',
        'admin@g.invalid',
        '--timeout',
        '5',
        'echo',
        '-l',
        'x',
      ]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.equal('');
      expect(linesOf(r.stdout)).to.deep.equal([
        '3 hosts (1 excluded: x.invalid)',
        '  admin@g.invalid -> nowhere.invalid',
        `  admin@g.invalid -> ${local}`,
        '  None -> direct.invalid',
        'would run: echo -l x',
        'window 100, timeout 5 s per host',
      ]);
    });

    it('-n takes ranges with a step, as its help shows (n[1-9/2]), and -x too', async () => {
      const r = await runCli('rxssh', ['-n', '-t', 'n[1-9/2]', '-x', 'n[5-9/4]', 'true']);
      expect(r.code, r.stderr).to.equal(0);
      expect(linesOf(r.stdout).slice(0, 4)).to.deep.equal([
        '3 hosts (2 excluded: n5 n9)',
        '  n1',
        '  n3',
        '  n7',
      ]);
    });

    it('-n works for script mode and push/pull too', async () => {
      await writeFile(join(dir, 'script.sh'), 'echo hi\n');
      const script = await runCli(
        'rxssh',
        ['-n', '-w', '7', '-t', 'a.invalid', '-s', 'script.sh', 'one', 'two'],
        {
          cwd: dir,
        },
      );
      expect([script.code, linesOf(script.stdout)]).to.deep.equal([
        0,
        ['1 host', '  a.invalid', 'would run: script script.sh one two', 'window 7'],
      ]);
      const inline = await runCli('rxssh', ['-n', '-t', 'a.invalid', '-s', 'echo "$1"', 'one']);
      expect(linesOf(inline.stdout)[2]).to.equal('would run: inline script with one');
      const push = await runCli('rxssh', ['push', '-n', '-t', 'a.invalid', 'script.sh', '@:/tmp/d'], {
        cwd: dir,
      });
      expect([push.code, linesOf(push.stdout)[2]]).to.deep.equal([0, 'would run: push script.sh -> /tmp/d']);
    });

    it('-L prints one host per line, gateways first, and exits 0', async () => {
      const r = await runCli('rxssh', [
        '-L',
        '-t',
        `nowhere.invalid[1-2] gw.invalid->x.invalid 127.0.0.1:${String(server.port)}`,
        '-l',
        'me',
      ]);
      expect(r.code, r.stderr).to.equal(0);
      expect(linesOf(r.stdout)).to.deep.equal([
        'me@nowhere.invalid1',
        'me@nowhere.invalid2',
        'me@gw.invalid -> me@x.invalid',
        `me@127.0.0.1:${String(server.port)}`,
      ]);
    });

    it('-L reads target files, and words after the first positional are the command', async () => {
      await writeFile(
        join(dir, 'hosts.txt'),
        '# a comment\nnowhere.invalid  # more\nh[1-2].invalid,h1.invalid\n',
      );
      const r = await runCli('rxssh', ['-t', 'hosts.txt', '-L', 'ls', '-l'], { cwd: dir });
      expect([r.code, linesOf(r.stdout)]).to.deep.equal([0, ['nowhere.invalid', 'h1.invalid', 'h2.invalid']]);
    });
  });
});

describe('parseSshOptions (-O)', () => {
  it('reads UserKnownHostsFile as files separated by spaces, and none as no file', () => {
    expect(parseSshOptions(['UserKnownHostsFile=/a/known  /b/known']).knownHosts).to.deep.equal([
      '/a/known',
      '/b/known',
    ]);
    expect(parseSshOptions(['UserKnownHostsFile=none']).knownHosts).to.deep.equal([]);
    expect(parseSshOptions(['UserKnownHostsFile=/a/known']).knownHosts).to.deep.equal(['/a/known']);
  });
});
