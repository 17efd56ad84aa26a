// rxssh targets: parseTarget() and resolveTargets() (apssh's -t/-x/-l/-g grammar, quirks fixed).
import * as fs from 'node:fs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';

import { TargetError } from '../../lib/errors/target-error.js';
import type { ResolveTargetsOptions, ResolvedTarget, TargetFs } from '../../lib/cli/targets.js';
import { formatTarget, parseTarget, resolveTargets } from '../../lib/cli/targets.js';
import { thrown } from '../helpers/errors.js';

const targetError = (f: () => unknown): TargetError => {
  const e = thrown(f);
  expect(e).to.be.instanceOf(TargetError);
  return e as TargetError;
};

describe('parseTarget', () => {
  it('reads host, user@host, host:port and user@host:port', () => {
    expect(parseTarget('fit01', 's')).to.deep.equal({ host: 'fit01' });
    expect(parseTarget('root@fit01', 's')).to.deep.equal({ host: 'fit01', user: 'root' });
    expect(parseTarget('fit01:2222', 's')).to.deep.equal({ host: 'fit01', port: 2222 });
    expect(parseTarget('root@fit01:22', 's')).to.deep.equal({ host: 'fit01', user: 'root', port: 22 });
  });

  it('takes everything before the last @ as the user', () => {
    expect(parseTarget('a@b@host', 's')).to.deep.equal({ host: 'host', user: 'a@b' });
  });

  it('reads IPv6 addresses, in brackets when a port follows', () => {
    expect(parseTarget('[::1]:2222', 's')).to.deep.equal({ host: '::1', port: 2222 });
    expect(parseTarget('root@[fe80::1]', 's')).to.deep.equal({ host: 'fe80::1', user: 'root' });
    expect(parseTarget('fe80::1', 's')).to.deep.equal({ host: 'fe80::1' });
  });

  it('reads gateways with -> and →, and None-> as explicitly direct', () => {
    expect(parseTarget('admin@gw:2200->root@fit01', 's')).to.deep.equal({
      host: 'fit01',
      user: 'root',
      gateway: { host: 'gw', user: 'admin', port: 2200 },
    });
    expect(parseTarget('gw\u2192fit01', 's')).to.deep.equal({ host: 'fit01', gateway: { host: 'gw' } });
    expect(parseTarget('None->fit01', 's')).to.deep.equal({ host: 'fit01', gateway: null });
    expect(parseTarget('none->fit01', 's')).to.deep.equal({ host: 'fit01', gateway: null });
    expect(parseTarget('NONE->fit01', 's')).to.deep.equal({ host: 'fit01', gateway: { host: 'NONE' } });
  });

  it('refuses bad ports, naming the value and its source', () => {
    expect(targetError(() => parseTarget('host:0', 'hosts.txt:3')).message).to.equal(
      'hosts.txt:3: host:0: port 0 is out of range: use 1 to 65535',
    );
    expect(targetError(() => parseTarget('host:99999', '-t host:99999')).message).to.equal(
      '-t host:99999: port 99999 is out of range: use 1 to 65535',
    );
    expect(targetError(() => parseTarget('host:abc', '-t "a,host:abc"')).message).to.equal(
      '-t "a,host:abc": host:abc: port "abc" is not a number: write host:PORT with PORT from 1 to 65535',
    );
    expect(targetError(() => parseTarget('host:', 's')).message).to.contain('empty port');
  });

  it('refuses empty hosts, users and gateways, and chains of gateways', () => {
    const e = targetError(() => parseTarget('user@', '-t user@'));
    expect(e.message).to.equal('-t user@: no host name in "user@": write [user@]host[:port]');
    expect(e.target).to.equal('user@');
    expect(e.source).to.equal('-t user@');
    expect(targetError(() => parseTarget('@h', 's')).message).to.equal(
      's: @h: empty user name before "@h": write user@h, or just h',
    );
    expect(targetError(() => parseTarget('->h', 's')).message).to.equal(
      's: ->h: empty gateway name: write [user@]gateway[:port]',
    );
    expect(targetError(() => parseTarget('gw->', 's')).message).to.equal(
      's: gw->: empty host name: write [user@]host[:port]',
    );
    expect(targetError(() => parseTarget('a->b->c', 's')).message).to.equal(
      's: a->b->c: only one gateway per target is supported: write gw->host, or give the gateway with -g',
    );
    expect(targetError(() => parseTarget('a/b', 's')).message).to.contain('"a/b" is not a host name');
  });

  it('is undone by formatTarget', () => {
    for (const text of ['fit01', 'root@fit01:2222', 'admin@gw:2200->root@[::1]:22', 'None->h', 'gw->fe80::1'])
      expect(formatTarget(parseTarget(text, 's'))).to.equal(text);
  });
});

/** What resolveTargets() gives, without the sources, for short comparisons. */
const brief = (targets: readonly ResolvedTarget[]) =>
  targets.map(({ host, user, port, gateway, label }) => ({ host, user, port, gateway, label }));

const direct = (host: string, more: Partial<ResolvedTarget> = {}) => ({
  host,
  user: undefined,
  port: undefined,
  gateway: undefined,
  label: host,
  ...more,
});

describe('resolveTargets', () => {
  let root: string;
  let cwd: string;
  let home: string;
  const resolve = (options: Partial<ResolveTargetsOptions>) =>
    resolveTargets({ targets: [], cwd, home, ...options });

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'rxjobs-targets-'));
    cwd = join(root, 'cwd');
    home = join(root, 'home');
    mkdirSync(join(cwd, 'hosts', 'subdir'), { recursive: true });
    mkdirSync(join(cwd, 'empty'));
    mkdirSync(join(home, '.rxjobs'), { recursive: true });
    writeFileSync(
      join(cwd, 'hosts.txt'),
      '# the rack\nfit[01-02], fit03 # the spare\n\n  gw->n[1-2]\troot@fit04\n,,\nfit01\n',
    );
    writeFileSync(join(cwd, 'comments.txt'), '# nothing\n\n   # here\n');
    writeFileSync(join(cwd, 'bad.txt'), 'fit01\nfit02 fit[3-1]\n');
    for (const name of ['fit10', 'fit2', 'root@fit1', '.hidden', 'fit2.err', 'gw->n1', 'fe80::1%25eth0'])
      writeFileSync(join(cwd, 'hosts', name), '0\n');
    writeFileSync(join(home, '.rxjobs', 'team'), 'alice bob\n');
    writeFileSync(join(home, 'mine.txt'), 'mine1\n');
  });

  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('reads literal host lists, split on whitespace and top-level commas, ranges expanded', () => {
    const { targets, excluded } = resolve({ targets: ['fit[01-02],fit[04,6]  n1\tn2\n,,n3,'] });
    expect(targets.map((t) => t.label)).to.deep.equal(['fit01', 'fit02', 'fit04', 'fit6', 'n1', 'n2', 'n3']);
    expect(excluded).to.deep.equal([]);
    expect(targets[0]).to.deep.equal({
      ...direct('fit01'),
      source: '-t "fit[01-02],fit[04,6]  n1\\tn2\\n,,n3,"',
    });
  });

  it('expands ranges over gateways and hosts alike', () => {
    expect(brief(resolve({ targets: ['gw->fit[01-03]'] }).targets)).to.deep.equal(
      ['fit01', 'fit02', 'fit03'].map((h) => direct(h, { gateway: { host: 'gw' } })),
    );
    const crossed = resolve({ targets: ['fit[1-2]->n[1-2]'] }).targets;
    expect(crossed.map((t) => [t.gateway?.host, t.host])).to.deep.equal([
      ['fit1', 'n1'],
      ['fit1', 'n2'],
      ['fit2', 'n1'],
      ['fit2', 'n2'],
    ]);
    expect(crossed.map((t) => t.label)).to.deep.equal(['fit1->n1', 'fit1->n2', 'fit2->n1', 'fit2->n2']);
  });

  it('applies -l to targets and gateways, -p to targets, -g to targets without a gateway', () => {
    const { targets } = resolve({
      targets: ['a', 'bob@b:2200', 'x@gw2->c', 'None->d'],
      login: 'root',
      port: 2222,
      gateway: 'admin@gw:22',
    });
    expect(brief(targets)).to.deep.equal([
      direct('a', { user: 'root', port: 2222, gateway: { host: 'gw', user: 'admin', port: 22 } }),
      direct('b', { user: 'bob', port: 2200, gateway: { host: 'gw', user: 'admin', port: 22 } }),
      direct('c', { user: 'root', port: 2222, gateway: { host: 'gw2', user: 'x' } }),
      direct('d', { user: 'root', port: 2222, gateway: null }),
    ]);
    expect(brief(resolve({ targets: ['gw->a'], login: 'root' }).targets)).to.deep.equal([
      direct('a', { user: 'root', gateway: { host: 'gw', user: 'root' } }),
    ]);
  });

  it('removes duplicates after the defaults, keeping the first and the order', () => {
    const hops = resolve({ targets: ['gw:22->a root@gw:22->a'], login: 'root' }).targets;
    expect(brief(hops)).to.deep.equal([
      direct('a', { user: 'root', gateway: { host: 'gw', port: 22, user: 'root' } }),
    ]);
    const { targets } = resolve({ targets: ['b a', 'root@a,b:22', 'a', 'gw->a'], login: 'root' });
    expect(targets.map((t) => [t.host, t.port, t.gateway?.host, t.source])).to.deep.equal([
      ['b', undefined, undefined, '-t "b a"'],
      ['a', undefined, undefined, '-t "b a"'],
      ['b', 22, undefined, '-t "root@a,b:22"'],
      ['a', undefined, 'gw', '-t "gw->a"'],
    ]);
  });

  it('labels targets on a shared host by what tells them apart', () => {
    const { targets } = resolve({
      targets: [
        'alice@h1 bob@h1 h2:22 h2:23 gw1->h3 admin@gw2->h3 h3 x@gw->h4 y@gw->h4 [::1]:22 [::1]:23 h5',
      ],
    });
    expect(targets.map((t) => t.label)).to.deep.equal([
      'alice@h1',
      'bob@h1',
      'h2:22',
      'h2:23',
      'gw1->h3',
      'gw2->h3',
      'h3',
      'x@gw->h4',
      'y@gw->h4',
      '[::1]:22',
      '[::1]:23',
      'h5',
    ]);
    expect(resolve({ targets: ['alice@h1 h1'], login: 'root' }).targets.map((t) => t.label)).to.deep.equal([
      'alice@h1',
      'root@h1',
    ]);
  });

  it('reads files: comments, blank lines, whitespace and commas, ranges', () => {
    const { targets } = resolve({ targets: ['hosts.txt'] });
    expect(targets.map((t) => `${t.gateway?.host ?? '-'} ${t.label} ${t.source}`)).to.deep.equal([
      '- fit01 hosts.txt:2',
      '- fit02 hosts.txt:2',
      '- fit03 hosts.txt:2',
      'gw n1 hosts.txt:4',
      'gw n2 hosts.txt:4',
      '- fit04 hosts.txt:4',
    ]);
    expect(targets[5]?.user).to.equal('root');
  });

  it('reads directories: regular, non-hidden, non-.err files, in natural order, names parsed', () => {
    const { targets } = resolve({ targets: ['hosts/'] });
    expect(brief(targets)).to.deep.equal([
      direct('fe80::1%eth0'),
      direct('fit2'),
      direct('fit10'),
      direct('n1', { gateway: { host: 'gw' } }),
      direct('fit1', { user: 'root' }),
    ]);
    expect(targets.every((t) => t.source === '-t hosts/')).to.equal(true);
  });

  it('looks for relative paths under ~/.rxjobs/ too, and reads ~ as the home directory', () => {
    expect(resolve({ targets: ['team'] }).targets.map((t) => [t.label, t.source])).to.deep.equal([
      ['alice', '~/.rxjobs/team:1'],
      ['bob', '~/.rxjobs/team:1'],
    ]);
    expect(resolve({ targets: ['~/mine.txt'] }).targets.map((t) => [t.label, t.source])).to.deep.equal([
      ['mine1', '~/mine.txt:1'],
    ]);
    expect(resolve({ targets: [join(cwd, 'hosts.txt')] }).targets).to.have.length(6);
  });

  it('excludes on the final endpoint: host, and user and port when named; gateway ignored', () => {
    const { targets, excluded } = resolve({
      targets: ['fit[01-05]', 'alice@h bob@h', 'h2:22 h2:23', 'gw->g1'],
      excludes: ['fit0[2-3]', 'alice@h,h2:23', 'g1', 'nothere'],
    });
    expect(targets.map((t) => t.label)).to.deep.equal(['fit01', 'fit04', 'fit05', 'h', 'h2']);
    expect(targets[3]?.user).to.equal('bob');
    expect(excluded.map((t) => t.label)).to.deep.equal(['fit02', 'fit03', 'h', 'h2', 'g1']);
    expect(excluded[2]?.user).to.equal('alice');
    expect(resolve({ targets: ['h h2'], excludes: ['bob@h'], login: 'bob' }).excluded).to.have.length(1);
    expect(targetError(() => resolve({ targets: ['gw->fit1'], excludes: ['fit[1-2]'] })).message).to.equal(
      'no target left after -x "fit[1-2]": all 1 targets given are excluded: remove or narrow a -x, or add a -t',
    );
  });

  it('takes -x files and directories, and accepts empty ones', () => {
    const { targets, excluded } = resolve({
      targets: ['fit0[1-5]'],
      excludes: ['hosts.txt', 'empty', 'comments.txt'],
    });
    // root@fit04 in hosts.txt names a user: it does not exclude fit04 (no user)
    expect(targets.map((t) => t.label)).to.deep.equal(['fit04', 'fit05']);
    expect(excluded.map((t) => t.label)).to.deep.equal(['fit01', 'fit02', 'fit03']);
  });

  it('refuses no target at all, and no target left after -x', () => {
    expect(targetError(() => resolve({ targets: [] })).message).to.equal(
      'no target given: use -t HOST, -t "HOST1,HOST2", -t FILE or -t DIR',
    );
    expect(targetError(() => resolve({ targets: ['a,b'], excludes: ['a', 'b'] })).message).to.equal(
      'no target left after -x a -x b: all 2 targets given are excluded: remove or narrow a -x, or add a -t',
    );
  });

  it('refuses empty values, files and directories', () => {
    expect(targetError(() => resolve({ targets: [''] })).message).to.equal(
      '-t "": no host name given: write -t HOST, -t "HOST1,HOST2", or a FILE or DIR',
    );
    expect(targetError(() => resolve({ targets: [' , '] })).message).to.contain(
      '-t " , ": no host name given',
    );
    expect(targetError(() => resolve({ targets: ['empty/'] })).message).to.equal(
      '-t empty/: no host names in this directory: it holds no regular file (hidden and *.err files are skipped)',
    );
    expect(targetError(() => resolve({ targets: ['comments.txt'] })).message).to.equal(
      '-t comments.txt: no host names in this file: write names separated by spaces, commas or new lines',
    );
    expect(targetError(() => resolve({ targets: ['a'], excludes: [''] })).message).to.contain(
      '-x "": no host',
    );
  });

  it('refuses path-like values that do not exist instead of taking them as host names', () => {
    const e = targetError(() => resolve({ targets: ['./hosts.tx'] }));
    expect(e.message).to.equal(
      `-t ./hosts.tx: no such file or directory (looked for ${join(cwd, 'hosts.tx')} and ` +
        `${join(home, '.rxjobs', 'hosts.tx')}): check the path; host names have no "/" and do not start ` +
        'with "." or "~"',
    );
    expect(targetError(() => resolve({ targets: ['~/nope'] })).message).to.contain(
      `-t ~/nope: no such file or directory (looked for ${join(home, 'nope')})`,
    );
    expect(targetError(() => resolve({ targets: ['a'], excludes: ['x/'] })).message).to.contain(
      '-x x/: no such',
    );
    expect(targetError(() => resolve({ targets: ['/dev/null'] })).message).to.equal(
      '-t /dev/null: /dev/null is neither a regular file nor a directory: give a file of host names, or a directory',
    );
  });

  it('names the file and line of a bad range or target', () => {
    expect(targetError(() => resolve({ targets: ['bad.txt'] })).message).to.equal(
      'bad.txt:2: fit[3-1]: range 3-1 is descending: write fit[1-3]',
    );
    expect(targetError(() => resolve({ targets: ['fit[3-1]'] })).message).to.equal(
      '-t "fit[3-1]": range 3-1 is descending: write fit[1-3]',
    );
    expect(targetError(() => resolve({ targets: ['a,fit[]'] })).message).to.equal(
      '-t "a,fit[]": fit[]: empty brackets []: write numbers inside, like node[1-3,7]',
    );
    expect(targetError(() => resolve({ targets: ['user@'] })).message).to.equal(
      '-t user@: no host name in "user@": write [user@]host[:port]',
    );
    expect(targetError(() => resolve({ targets: ['a'], gateway: 'u@' })).message).to.equal(
      '-g u@: no gateway name in "u@": write [user@]gateway[:port]',
    );
    expect(targetError(() => resolve({ targets: ['a'], port: 0 })).message).to.equal(
      '-p: 0: not a port: use 1 to 65535',
    );
  });

  it('says which file or directory cannot be read, and why', () => {
    const denied = (path: string): never => {
      throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
    };
    const locked: TargetFs = {
      statSync: (path) => fs.statSync(path),
      readFileSync: (path) => denied(path),
      readdirSync: (path) => denied(path),
    };
    const e = targetError(() => resolve({ targets: ['hosts.txt'], fs: locked }));
    expect(e.message).to.equal(
      `-t hosts.txt: cannot read: EACCES: permission denied, open '${join(cwd, 'hosts.txt')}': ` +
        'fix its permissions, or give the host names instead',
    );
    expect((e.cause as { code?: string }).code).to.equal('EACCES');
    expect(targetError(() => resolve({ targets: ['hosts/'], fs: locked })).message).to.match(
      /^-t hosts\/: cannot read: EACCES/,
    );
    const unstattable: TargetFs = { ...locked, statSync: (path) => denied(path) };
    expect(targetError(() => resolve({ targets: ['./x'], fs: unstattable })).message).to.match(
      /^-t \.\/x: cannot read: EACCES/,
    );
    expect(resolve({ targets: ['x'], fs: unstattable }).targets.map((t) => t.label)).to.deep.equal(['x']);
  });

  it('takes a value that is not a path, even a long one, as host names', () => {
    const many = Array.from({ length: 200 }, (_, i) => `host-number-${String(i)}`).join(',');
    expect(resolve({ targets: [many] }).targets).to.have.length(200);
  });
});
