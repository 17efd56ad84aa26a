import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import { ConfigError } from '../../../lib/errors/config-error.js';
import { isJobsError } from '../../../lib/errors/jobs-error.js';
import { parseJumpHops, resolveSshConfig } from '../../../lib/nodes/trust/ssh-config/index.js';
import type {
  JumpHop,
  ResolveSshConfigOptions,
  SshHostConfig,
} from '../../../lib/nodes/trust/ssh-config/index.js';
import { rejection } from '../../helpers/errors.js';

/** `ssh -G` output as keyword -> values (identityfile and friends repeat). */
function sshG(file: string, host: string): Map<string, string[]> {
  const run = spawnSync('ssh', ['-G', '-F', file, host], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ssh -G -F ${file} ${host} failed: ${run.stderr}`);
  const options = new Map<string, string[]>();
  for (const line of run.stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const key = line.slice(0, space);
    options.set(key, [...(options.get(key) ?? []), line.slice(space + 1)]);
  }
  return options;
}

const hopText = (hops: readonly JumpHop[]): string =>
  hops
    .map(
      ({ user, host, port }) =>
        `${user === undefined ? '' : `${user}@`}${host.includes(':') ? `[${host}]` : host}` +
        (port === undefined ? '' : `:${String(port)}`),
    )
    .join(',');

describe('resolveSshConfig', () => {
  let dir = '';
  let home = '';
  const resolve = (
    host: string,
    text: string,
    options: ResolveSshConfigOptions = {},
  ): Promise<SshHostConfig> =>
    resolveSshConfig(host, { text, home, user: 'me', file: join(dir, 'text-config'), ...options });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxjobs-ssh-config-'));
    home = join(dir, 'home');
    await mkdir(join(home, '.ssh', 'conf.d'), { recursive: true });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('matches Host patterns with *, ? (exactly one character), several patterns and ! negation', async () => {
    const text = `
Host web?
  Port 1001
Host db-* cache
  Port 1002
Host *.example.com !secret.example.com
  Port 1003
Host a,b
  Port 1004
Host *
  User fallback
`;
    const ports: Record<string, number | undefined> = {
      web1: 1001,
      web: undefined,
      web12: undefined,
      'db-main': 1002,
      cache: 1002,
      'app.example.com': 1003,
      'secret.example.com': undefined,
      a: undefined, // commas do not separate Host patterns
    };
    for (const [host, port] of Object.entries(ports)) {
      const config = await resolve(host, text);
      expect(config.port, host).to.equal(port);
      expect(config.user, host).to.equal('fallback');
    }
  });

  it('keeps the first value obtained for each option, top to bottom', async () => {
    const text = `
Host special
  User first
Host *
  User second
  Port 2222
Host special
  Port 3333
  User third
`;
    expect(await resolve('special', text)).to.deep.equal({ user: 'first', port: 2222 });
    expect(await resolve('plain', text)).to.deep.equal({ user: 'second', port: 2222 });
  });

  it('accumulates IdentityFile lines in order, without duplicates; none alone gives []', async () => {
    const text = `
IdentityFile ~/.ssh/global
Host h
  IdentityFile ~/.ssh/h1
  IdentityFile ~/.ssh/global
Host nokeys
  IdentityFile none
Host *
  IdentityFile /keys/star
`;
    expect((await resolve('h', text)).identityFiles).to.deep.equal([
      `${home}/.ssh/global`,
      `${home}/.ssh/h1`,
      '/keys/star',
    ]);
    expect((await resolve('x', `Host x\n  IdentityFile none\n`)).identityFiles).to.deep.equal([]);
  });

  describe('expansion', () => {
    const saved = process.env['RXJOBS_SSH_KEYS'];
    afterEach(() => {
      if (saved === undefined) delete process.env['RXJOBS_SSH_KEYS'];
      else process.env['RXJOBS_SSH_KEYS'] = saved;
    });

    it('expands ~, %h %r %p %u %d %n %% and ${VAR} in IdentityFile, and %h in HostName', async () => {
      process.env['RXJOBS_SSH_KEYS'] = '/vault';
      const text = `
Host srv
  HostName %h.Example.COM
  User alice
  Port 2200
  IdentityFile ~/.ssh/%h_%r_%p
  IdentityFile %d/keys/%u-%n-100%%
  IdentityFile \${RXJOBS_SSH_KEYS}/%r
Host other
  IdentityFile ~/.ssh/%r@%h:%p
`;
      expect(await resolve('srv', text)).to.deep.equal({
        hostname: 'srv.example.com',
        user: 'alice',
        port: 2200,
        identityFiles: [
          `${home}/.ssh/srv.example.com_alice_2200`,
          `${home}/keys/me-srv-100%`,
          '/vault/alice',
        ],
      });
      // defaults: %r is the local user, %h the host, %p 22
      expect((await resolve('other', text)).identityFiles).to.deep.equal([`${home}/.ssh/me@other:22`]);
    });

    it('throws ConfigError for a token it cannot expand or an unset variable', async () => {
      delete process.env['RXJOBS_SSH_KEYS'];
      const file = join(dir, 'text-config');
      for (const value of ['~/.ssh/%C', '${RXJOBS_SSH_KEYS}/k', '~/.ssh/k%']) {
        const e = await rejection(resolve('h', `IdentityFile ${value}\n`));
        expect(e, value).to.be.instanceOf(ConfigError);
        expect(e).to.include({ subject: file, field: 'IdentityFile' });
      }
    });
  });

  it('parses ProxyJump chains, and none stops the lookup', async () => {
    const text = `
Host inner
  ProxyJump a,u@b:2222
Host direct
  ProxyJump none
Host *
  ProxyJump bastion
`;
    expect((await resolve('inner', text)).proxyJump).to.deep.equal([
      { host: 'a' },
      { host: 'b', user: 'u', port: 2222 },
    ]);
    expect(await resolve('direct', text)).to.deep.equal({});
    expect((await resolve('other', text)).proxyJump).to.deep.equal([{ host: 'bastion' }]);
  });

  it('maps StrictHostKeyChecking to strict / accept-new / off', async () => {
    const expected = {
      yes: 'strict',
      true: 'strict',
      ask: 'strict',
      'accept-new': 'accept-new',
      'Accept-New': 'accept-new',
      no: 'off',
      false: 'off',
      off: 'off',
    };
    for (const [value, policy] of Object.entries(expected)) {
      const config = await resolve('h', `Host *\n  StrictHostKeyChecking ${value}\n`);
      expect(config.strictHostKeyChecking, value).to.equal(policy);
    }
    const e = await rejection(resolve('h', `StrictHostKeyChecking maybe\n`));
    expect(e).to.be.instanceOf(ConfigError).and.include({ field: 'StrictHostKeyChecking' });
  });

  it('gives ConnectTimeout and ServerAliveInterval in ms, with OpenSSH time units', async () => {
    const text = `
Host h
  ConnectTimeout none
  ServerAliveInterval 1m30s
  ServerAliveCountMax 5
  IdentitiesOnly yes
Host *
  ConnectTimeout 10
`;
    expect(await resolve('h', text)).to.deep.equal({
      connectTimeout: 10_000, // "none" leaves the option unset, as in ssh
      serverAliveInterval: 90_000,
      serverAliveCountMax: 5,
      identitiesOnly: true,
    });
  });

  it('reads the files of UserKnownHostsFile, expanded; none gives []', async () => {
    const text = `
Host two
  UserKnownHostsFile ~/.ssh/known_hosts /etc/ssh/extra_%h
Host none
  UserKnownHostsFile none
`;
    expect((await resolve('two', text)).userKnownHostsFiles).to.deep.equal([
      `${home}/.ssh/known_hosts`,
      '/etc/ssh/extra_two',
    ]);
    expect((await resolve('none', text)).userKnownHostsFiles).to.deep.equal([]);
  });

  it('reads keywords case-insensitively', async () => {
    const text = `
host CI
  HOSTNAME Ci.Example
  user bob
  pOrT=2022
  identityfile ~/k
  proxyjump j1
  serveraliveinterval 5
  IDENTITIESONLY No
`;
    expect(await resolve('CI', text)).to.deep.equal({
      hostname: 'ci.example',
      user: 'bob',
      port: 2022,
      identityFiles: [`${home}/k`],
      proxyJump: [{ host: 'j1' }],
      serverAliveInterval: 5000,
      identitiesOnly: false,
    });
  });

  it('applies Match host, originalhost and user, re-parses for Match final, and never runs Match exec', async () => {
    const text = `
Host m1
  HostName real.example
Match host real.example user me
  Port 2001
Match originalhost m1 !user nobody
  User m-user
Match final host m1
  ServerAliveCountMax 9
Match exec "true"
  IdentitiesOnly yes
Match !exec "false"
  IdentitiesOnly yes
Host real.example
  ConnectTimeout 4
`;
    // the final pass matches Host lines against real.example, no longer m1
    expect(await resolve('m1', text)).to.deep.equal({
      hostname: 'real.example',
      user: 'm-user',
      port: 2001,
      connectTimeout: 4000,
    });
  });

  it('follows Include (relative to ~/.ssh, globbed, in lexical order) and resumes the including block', async () => {
    await writeFile(join(home, '.ssh', 'conf.d', 'b.conf'), 'Port 1002\nHost inc2\n  User incuser\n');
    await writeFile(
      join(home, '.ssh', 'conf.d', 'a.conf'),
      'IdentityFile ~/from-a\nHost inc1\n  User a-user\n',
    );
    await writeFile(join(home, '.ssh', 'conf.d', '.hidden.conf'), 'Port 1\n');
    const text = `
Host inc1 inc2
  Include conf.d/*.conf
  HostName after-include
Host other
  Include ~/.ssh/conf.d/a.conf missing/*.conf
Host *
  Port 9
  User star
`;
    expect(await resolve('inc1', text)).to.deep.equal({
      hostname: 'after-include',
      user: 'a-user',
      port: 1002,
      identityFiles: [`${home}/from-a`],
    });
    expect(await resolve('inc2', text)).to.deep.include({ user: 'incuser', port: 1002 });
    expect(await resolve('other', text)).to.deep.equal({
      user: 'star',
      port: 9,
      identityFiles: [`${home}/from-a`],
    });
    expect(await resolve('inc3', text)).to.deep.equal({ user: 'star', port: 9 });
  });

  describe('files', () => {
    it('reads ~/.ssh/config by default, and the file given as file', async () => {
      const otherHome = join(dir, 'other-home');
      await mkdir(join(otherHome, '.ssh'), { recursive: true });
      await writeFile(join(otherHome, '.ssh', 'config'), 'Host h\n  User from-default\n');
      expect(await resolveSshConfig('h', { home: otherHome })).to.deep.equal({ user: 'from-default' });

      const file = join(dir, 'custom_config');
      await writeFile(file, 'Host h\n  User from-file\n  Port 2200\n');
      expect(await resolveSshConfig('h', { file, home })).to.deep.equal({ user: 'from-file', port: 2200 });
    });

    it('gives {} for a missing default file, and refuses a missing file given explicitly (as ssh -F)', async () => {
      expect(await resolveSshConfig('h', { home: join(dir, 'no-home') })).to.deep.equal({});
      const missing = join(dir, 'nope', 'config');
      const e = await rejection(resolveSshConfig('h', { file: missing, home }));
      expect(isJobsError(e, 'config'), String(e)).to.equal(true);
      expect((e as Error).message).to.equal(
        `${missing}: file does not exist: give an existing ssh config file, or none at all (sshConfig: false, rxssh -F none)`,
      );
    });

    it('throws ConfigError naming the file and the field for a bad value, even in a block that does not match', async () => {
      const file = join(dir, 'bad_port');
      await writeFile(file, 'Host elsewhere\n  Port abc\nHost *\n  User u\n');
      const e = await rejection(resolveSshConfig('h', { file, home }));
      expect(e).to.be.instanceOf(ConfigError).and.include({ subject: file, field: 'Port' });
      expect(e).to.have.property('message').that.includes(file).and.includes('Port "abc"');
    });

    it('throws ConfigError for text it cannot parse, and for a bad ProxyJump', async () => {
      const file = join(dir, 'unclosed');
      await writeFile(file, 'Host h\n  IdentityFile "~/.ssh/unclosed\n');
      const e = await rejection(resolveSshConfig('h', { file, home }));
      expect(e).to.be.instanceOf(ConfigError).and.include({ subject: file, field: 'syntax' });
      expect(e).to.have.property('message').that.includes(file);

      const jump = await rejection(resolve('h', 'Host *\n  ProxyJump a,,b\n'));
      expect(jump).to.be.instanceOf(ConfigError).and.include({ field: 'ProxyJump' });
      expect(jump).to.have.property('message').that.includes('hop 2 is empty');
    });

    it('throws ConfigError for a file it cannot read', async () => {
      const e = await rejection(resolveSshConfig('h', { file: join(home, '.ssh'), home })); // a directory
      expect(e)
        .to.be.instanceOf(ConfigError)
        .and.include({ subject: join(home, '.ssh'), field: 'file' });
      expect(e).to.have.property('message').that.includes('EISDIR');
    });
  });

  it('agrees with ssh -G on the options it resolves', async () => {
    if (spawnSync('ssh', ['-V']).error !== undefined)
      throw new Error('this test needs the OpenSSH client: apt-get install openssh-client');
    const realHome = userInfo().homedir;
    const localUser = userInfo().username;
    await mkdir(join(dir, 'oracle.d'), { recursive: true });
    await writeFile(join(dir, 'oracle.d', '10-jump.conf'), 'Host inner*\n  ProxyJump j1,ops@j2:2200\n');
    const file = join(dir, 'oracle_config');
    await writeFile(
      file,
      `
IdentityFile ~/.ssh/top
Host UPPER up?
  HostName Upper.Example.org
  Port 2201
  IdentityFile ~/.ssh/upper
Host web-* !web-secret
  User deploy
  ConnectTimeout 1m
  StrictHostKeyChecking accept-new
  UserKnownHostsFile ~/.ssh/kh_a /tmp/kh_%h
Host inner-a
  Include ${dir}/oracle.d/*.conf
  ServerAliveInterval 15
  ServerAliveCountMax 2
Host inner-b
  ProxyJump none
Match host real.example
  Port 2202
Match originalhost alias !user nobody
  HostName real.example
  User alias-user
Match final
  IdentitiesOnly yes
Host real.example
  IdentityFile /keys/real
Host *
  Port 22
  User everyone
  StrictHostKeyChecking no
`,
    );
    const hosts = [
      'UPPER',
      'upper',
      'up1',
      'up',
      'web-1',
      'web-secret',
      'inner-a',
      'inner-b',
      'alias',
      'plain',
    ];
    for (const host of hosts) {
      const ours = await resolveSshConfig(host, { file, home: realHome });
      const ssh = sshG(file, host);
      const one = (key: string): string | undefined => ssh.get(key)?.[0];
      expect(ours.hostname ?? host.toLowerCase(), `${host} hostname`).to.equal(one('hostname'));
      expect(ours.user ?? localUser, `${host} user`).to.equal(one('user'));
      expect(String(ours.port ?? 22), `${host} port`).to.equal(one('port'));
      // ssh -G prints IdentityFile as written (and the defaults when none is set)
      const identityFiles = (ssh.get('identityfile') ?? []).map((f) => f.replace(/^~/, realHome));
      if (ours.identityFiles) expect(ours.identityFiles, `${host} identityfile`).to.deep.equal(identityFiles);
      expect(ours.proxyJump ? hopText(ours.proxyJump) : undefined, `${host} proxyjump`).to.equal(
        one('proxyjump'),
      );
      if (ours.userKnownHostsFiles)
        expect(ours.userKnownHostsFiles.join(' '), `${host} userknownhostsfile`).to.equal(
          one('userknownhostsfile'),
        );
      const timeout = ours.connectTimeout === undefined ? 'none' : String(ours.connectTimeout / 1000);
      expect(timeout, `${host} connecttimeout`).to.equal(one('connecttimeout'));
      expect(String((ours.serverAliveInterval ?? 0) / 1000), `${host} serveraliveinterval`).to.equal(
        one('serveraliveinterval'),
      );
      expect(String(ours.serverAliveCountMax ?? 3), `${host} serveralivecountmax`).to.equal(
        one('serveralivecountmax'),
      );
      expect((ours.identitiesOnly ?? false) ? 'yes' : 'no', `${host} identitiesonly`).to.equal(
        one('identitiesonly'),
      );
      const policy = { true: 'strict', ask: 'strict', 'accept-new': 'accept-new', false: 'off' }[
        one('stricthostkeychecking') ?? ''
      ];
      expect(ours.strictHostKeyChecking, `${host} stricthostkeychecking`).to.equal(policy);
    }
  });
});

describe('parseJumpHops', () => {
  it('splits [user@]host[:port] hops, ssh:// URLs and [IPv6]:port', () => {
    expect(parseJumpHops('a,u@b:2222')).to.deep.equal([{ host: 'a' }, { host: 'b', user: 'u', port: 2222 }]);
    expect(parseJumpHops('ssh://ops@gw:22/,[fe80::1]:2,u@v@h')).to.deep.equal([
      { host: 'gw', user: 'ops', port: 22 },
      { host: 'fe80::1', port: 2 },
      { host: 'h', user: 'u@v' },
    ]);
    expect(parseJumpHops('none')).to.deep.equal([]);
  });

  it('throws ConfigError on an empty hop, an empty user or host, whitespace or a bad port', () => {
    for (const spec of [
      '',
      'a,,b',
      'a,',
      '@h',
      'u@',
      ':22',
      'a, b',
      'a:abc',
      'a:0',
      'a:65536',
      'h:1:2',
      '[::1',
    ]) {
      let error: unknown;
      try {
        parseJumpHops(spec, { subject: 'command line', field: '-J' });
      } catch (e: unknown) {
        error = e;
      }
      expect(error, spec).to.be.instanceOf(ConfigError).and.include({ subject: 'command line', field: '-J' });
      expect(error).to.have.property('message').that.includes(`"${spec}"`);
    }
  });
});
