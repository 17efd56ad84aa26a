/**
 * OpenSSH client config (`~/.ssh/config`) resolved for one host, as `ssh -G` does it: the `ssh-config`
 * package parses the text; this file evaluates it (Host and Match blocks, first value wins, Include, the
 * final pass) and converts the options rxjobs uses. The package's own `compute()` is not used: its `?`
 * matches zero characters, it splits Host patterns on commas, ignores Include and runs `Match exec`.
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import { homedir, hostname as localHostName, userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';

import { parse } from 'ssh-config';
import type { Line } from 'ssh-config';

import { ConfigError } from '../../../errors/config-error.js';
import type { HostKeyPolicy } from '../../known-hosts.js';

/** One hop of a ProxyJump chain, written `[user@]host[:port]`. @category models */
export interface JumpHop {
  host: string;
  user?: string;
  port?: number;
}

/**
 * The options of an OpenSSH client config that rxjobs uses, for one host. A field is absent when no block
 * sets it (the caller applies the defaults: the host itself, the local user, port 22, the default keys).
 * @category models
 */
export interface SshHostConfig {
  /** `HostName`, `%h` expanded, lowercased when it is a DNS name (as ssh does). */
  hostname?: string;
  user?: string;
  port?: number;
  /** Every `IdentityFile` obtained, in order, without duplicates; `~`, `%` tokens and `${VAR}` expanded.
   * `IdentityFile none` alone gives `[]`: no key files, not even the default ones. */
  identityFiles?: string[];
  /** The hops of `ProxyJump`, first hop first; absent for `none`. */
  proxyJump?: JumpHop[];
  /** `StrictHostKeyChecking`: yes and ask map to `strict` (rxjobs cannot ask), no/off to `off`. */
  strictHostKeyChecking?: HostKeyPolicy;
  /** `UserKnownHostsFile`, expanded as identityFiles; `none` gives `[]`. */
  userKnownHostsFiles?: string[];
  /** `ConnectTimeout` in ms (0: no timeout). */
  connectTimeout?: number;
  /** `ServerAliveInterval` in ms (0: no keepalives). */
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  identitiesOnly?: boolean;
}

/** Options of {@link resolveSshConfig}. @category models */
export interface ResolveSshConfigOptions {
  /**
   * The config file; default `<home>/.ssh/config`, which may be missing. A file given here must exist (as with
   * `ssh -F`). Names the text in errors when `text` is given.
   */
  file?: string | undefined;
  /** Config text to use instead of reading `file` (Include still reads files). */
  text?: string | undefined;
  /** The local user, for `%u`, `Match localuser` and the `%r` default; default the process's user. */
  user?: string | undefined;
  /** The local home directory, for `~`, `%d` and relative Include paths; default `os.homedir()`. */
  home?: string | undefined;
}

/** Where a jump spec comes from, for {@link parseJumpHops}' errors. @category models */
export interface JumpSpecSource {
  readonly subject: string;
  readonly field: string;
}

type Fail = (problem: string) => never;

const HOP_SYNTAX = 'write hops as [user@]host[:port], separated by commas';

/**
 * Parses a `ProxyJump` value or an `ssh -J` argument: comma-separated hops `[user@]host[:port]` (also
 * `ssh://[user@]host[:port]` and `[IPv6]:port`); `none` gives `[]`.
 * @throws ConfigError on an empty hop, a hop with whitespace, an empty user or host, or a bad port.
 * @example parseJumpHops('bastion,admin@inner:2222') // [{ host: 'bastion' }, { host: 'inner', user: 'admin', port: 2222 }]
 * @category constructors
 */
export function parseJumpHops(
  spec: string,
  source: JumpSpecSource = { subject: 'jump hosts', field: 'ProxyJump' },
): JumpHop[] {
  if (spec.toLowerCase() === 'none') return [];
  return spec.split(',').map((text, i) => {
    const fail: Fail = (problem) => {
      throw new ConfigError(
        source.subject,
        source.field,
        `hop ${String(i + 1)} ${problem} in "${spec}": ${HOP_SYNTAX}`,
      );
    };
    return parseHop(text, fail);
  });
}

function parseHop(text: string, fail: Fail): JumpHop {
  if (text === '') return fail('is empty');
  if (/\s/.test(text)) return fail('contains whitespace');
  let rest = text.startsWith('ssh://') ? text.slice('ssh://'.length).replace(/\/$/, '') : text;
  const at = rest.lastIndexOf('@'); // a user name may contain '@', as in OpenSSH
  const user = at < 0 ? undefined : rest.slice(0, at);
  rest = rest.slice(at + 1);
  const parts = /^\[([^\]]*)\](?::(.*))?$/.exec(rest) ?? /^([^[\]:]*)(?::([^:]*))?$/.exec(rest);
  if (parts === null) return fail('has a misplaced [, ] or colon (write an IPv6 address as [addr]:port)');
  const [, host = '', port] = parts;
  if (user === '') fail('has an empty user');
  if (host === '') fail('has no host');
  const hop: JumpHop = { host };
  if (user !== undefined) hop.user = user;
  // "host:" is accepted as "host", as ssh does
  if (port !== undefined && port !== '')
    hop.port = toPort(port) ?? fail(`has a bad port "${port}" (1-65535)`);
  return hop;
}

const toPort = (text: string): number | undefined => {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  return n >= 1 && n <= 65535 ? n : undefined;
};

const TIME_UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** OpenSSH time values (`90`, `1m30s`, `2h`) in seconds; `none` is undefined (the option stays unset). */
function toSeconds(text: string, fail: Fail): number | undefined {
  if (text.toLowerCase() === 'none') return undefined;
  if (!/^(\d+[smhdw]?)+$/i.test(text)) return fail(`"${text}" is not a time (write 30, 30s, 1m30s or 2h)`);
  let total = 0;
  for (const [, n = '', unit = ''] of text.matchAll(/(\d+)([smhdw]?)/gi))
    total += Number(n) * (TIME_UNITS[unit.toLowerCase()] ?? 1);
  return total;
}

function toFlag<T>(text: string, values: Readonly<Record<string, T>>, fail: Fail): T {
  const value = values[text.toLowerCase()];
  return value ?? fail(`"${text}" is not one of ${Object.keys(values).join(', ')}`);
}

interface Values {
  hostname: string;
  user: string;
  port: number;
  proxyjump: JumpHop[];
  stricthostkeychecking: HostKeyPolicy;
  userknownhostsfile: string[];
  connecttimeout: number;
  serveraliveinterval: number;
  serveralivecountmax: number;
  identitiesonly: boolean;
  hostkeyalias: string;
  canonicalizehostname: boolean;
}

/** A directive's arguments, and the failure naming its file and field. */
interface Args {
  readonly list: readonly string[];
  readonly quoted: boolean;
  readonly subject: string;
  readonly fail: Fail;
}

function one({ list, quoted, fail }: Args): string {
  const [value, ...extra] = list;
  if (value === undefined || value === '') return fail('needs a value');
  if (extra.length > 0 || (!quoted && /\s/.test(value)))
    return fail(`takes one value, not "${list.join(' ')}"`);
  return value;
}

const count = (a: Args): number => {
  const text = one(a);
  return /^\d+$/.test(text) ? Number(text) : a.fail(`"${text}" is not a count (0 or more)`);
};

const YES_NO = { yes: true, true: true, no: false, false: false } as const;
const STRICTNESS = {
  yes: 'strict',
  true: 'strict',
  ask: 'strict',
  'accept-new': 'accept-new',
  no: 'off',
  false: 'off',
  off: 'off',
} as const;

/** The options read here: name in messages, and how to check and convert a value (undefined: left unset). */
const OPTIONS: { readonly [K in keyof Values]: readonly [string, (args: Args) => Values[K] | undefined] } = {
  hostname: ['HostName', one],
  user: ['User', one],
  port: ['Port', (a) => toPort(one(a)) ?? a.fail(`"${one(a)}" is not a port number (1-65535)`)],
  proxyjump: ['ProxyJump', (a) => parseJumpHops(one(a), { subject: a.subject, field: 'ProxyJump' })],
  stricthostkeychecking: ['StrictHostKeyChecking', (a) => toFlag<HostKeyPolicy>(one(a), STRICTNESS, a.fail)],
  userknownhostsfile: [
    'UserKnownHostsFile',
    (a) => (a.list.length > 0 ? [...a.list] : a.fail('needs a value')),
  ],
  connecttimeout: ['ConnectTimeout', (a) => toSeconds(one(a), a.fail)],
  serveraliveinterval: ['ServerAliveInterval', (a) => toSeconds(one(a), a.fail)],
  serveralivecountmax: ['ServerAliveCountMax', count],
  identitiesonly: ['IdentitiesOnly', (a) => toFlag(one(a), YES_NO, a.fail)],
  hostkeyalias: ['HostKeyAlias', one],
  canonicalizehostname: [
    'CanonicalizeHostname',
    (a) => toFlag(one(a), { ...YES_NO, always: true, none: false }, a.fail),
  ],
};

const isOption = (keyword: string): keyword is keyof Values => Object.hasOwn(OPTIONS, keyword);

/** A value obtained from a config file, and that file (the subject of errors found later). */
interface Obtained<T> {
  readonly value: T;
  readonly subject: string;
}

/** The state of one resolution: who asks, which pass runs, and the values obtained so far. */
interface Walk {
  readonly original: string;
  readonly localUser: string;
  readonly home: string;
  finalPass: boolean;
  wantFinal: boolean;
  readonly found: { [K in keyof Values]?: Obtained<Values[K]> };
  readonly identityFiles: Obtained<string>[];
  readonly files: Map<string, Promise<readonly Line[] | undefined>>;
}

const MAX_INCLUDE_DEPTH = 16; // READCONF_MAX_DEPTH

/**
 * Resolves the OpenSSH client config for `host` as ssh does: blocks apply top to bottom, the first value
 * obtained for an option wins (IdentityFile accumulates), Host patterns use `*`, `?` and `!`, keywords are
 * case-insensitive, Include is followed (relative paths in `~/.ssh`), and `Match final` or
 * `CanonicalizeHostname` trigger a second pass against the new host name (without DNS canonicalization).
 * Match supports `all`, `canonical`, `final`, `host`, `originalhost`, `user` and `localuser`; a Match with
 * `exec`, `localnetwork`, `tagged`, `version`, `sessiontype` or `command` never applies (no command is run).
 * @returns the options found, `{}` when the file does not exist.
 * @throws ConfigError (subject: the file) when a file cannot be read or parsed, or an option value is bad
 * in any block, matching or not (as ssh refuses such a file).
 * @example
 * const { hostname = 'web1', user, port = 22, proxyJump } = await resolveSshConfig('web1');
 * @category constructors
 */
export async function resolveSshConfig(
  host: string,
  options: ResolveSshConfigOptions = {},
): Promise<SshHostConfig> {
  const home = options.home ?? homedir();
  const file = options.file ?? join(home, '.ssh', 'config');
  if (host === '')
    throw new ConfigError('resolveSshConfig', 'host', 'is empty: give the host name to resolve');
  const w: Walk = {
    original: host,
    localUser: options.user ?? processUser(),
    home,
    finalPass: false,
    wantFinal: false,
    found: {},
    identityFiles: [],
    files: new Map(),
  };
  if (options.text !== undefined) w.files.set(file, Promise.resolve(parseText(options.text, file)));
  if ((await load(file, w)) === undefined) {
    // the default file may be missing; a file given explicitly may not (as ssh -F says)
    if (options.file === undefined) return {};
    throw new ConfigError(
      file,
      'file',
      'does not exist: give an existing ssh config file, or none at all (sshConfig: false, rxssh -F none)',
    );
  }
  await walkFile(file, false, w, 0);
  if (w.wantFinal || w.found.canonicalizehostname?.value === true) {
    w.finalPass = true;
    await walkFile(file, false, w, 0);
  }
  return result(w);
}

function processUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? '';
  }
}

function parseText(text: string, subject: string): readonly Line[] {
  try {
    return parse(text);
  } catch (e: unknown) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ConfigError(
      subject,
      'syntax',
      `cannot be parsed (${why}): fix that line (ssh -G -F <file> <host> shows it too)`,
      {
        cause: e,
      },
    );
  }
}

/** A file's lines, read and parsed once per resolution; undefined when it does not exist. */
function load(path: string, w: Walk): Promise<readonly Line[] | undefined> {
  let lines = w.files.get(path);
  if (lines === undefined) {
    lines = readFile(path, 'utf8').then(
      (text) => parseText(text, path),
      (e: unknown) => {
        const code = e instanceof Error && 'code' in e ? String(e.code) : String(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw new ConfigError(path, 'file', `cannot be read (${code}): make it a readable file`, {
          cause: e,
        });
      },
    );
    w.files.set(path, lines);
  }
  return lines;
}

/** Walks a file; `never` (an Include from a block that does not apply) keeps every block inactive. */
async function walkFile(path: string, never: boolean, w: Walk, depth: number): Promise<void> {
  const lines = await load(path, w);
  if (lines !== undefined) await walk(lines, path, !never, never, w, depth);
}

async function walk(
  lines: readonly Line[],
  file: string,
  active: boolean,
  never: boolean,
  w: Walk,
  depth: number,
): Promise<void> {
  for (const line of lines) {
    if (!('param' in line)) continue; // comments and blank lines
    const keyword = line.param.toLowerCase();
    const args: Args = {
      list: typeof line.value === 'string' ? [line.value] : line.value.map((v) => v.val),
      quoted: line.quoted === true,
      subject: file,
      fail: (problem) => {
        throw new ConfigError(file, isOption(keyword) ? OPTIONS[keyword][0] : line.param, problem);
      },
    };
    if ('config' in line) {
      const on = keyword === 'host' ? hostMatches(args.list, w) : matchMatches(args, w);
      await walk(line.config, file, !never && on, never, w, depth);
    } else if (keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH)
        args.fail(`nests deeper than ${String(MAX_INCLUDE_DEPTH)} files: look for a loop`);
      for (const pattern of args.list)
        for (const path of await expandGlob(includePath(pattern, w.home)))
          await walkFile(path, !active, w, depth + 1);
    } else if (keyword === 'identityfile') {
      const value = one(args);
      if (active && !w.identityFiles.some((f) => f.value === value))
        w.identityFiles.push({ value, subject: file });
    } else if (isOption(keyword)) {
      const value = OPTIONS[keyword][1](args); // checked in every block, as ssh does
      if (active && value !== undefined) obtain(w, keyword, value, file);
    }
  }
}

function obtain<K extends keyof Values>(w: Walk, key: K, value: Values[K], subject: string): void {
  const found: { [P in K]?: Obtained<Values[P]> } = w.found;
  found[key] ??= { value, subject };
}

/** A Host line: one of the patterns matches and no negated one does (commas are not separators here). */
function hostMatches(patterns: readonly string[], w: Walk): boolean {
  const host = w.finalPass ? finalHostName(w) : w.original;
  let on = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (patternMatches(host, pattern.slice(1))) return false;
    } else if (patternMatches(host, pattern)) on = true;
  }
  return on;
}

function matchMatches({ list, fail }: Args, w: Walk): boolean {
  let on = true;
  let supported = true;
  for (let i = 0; i < list.length; i++) {
    const word = (list[i] ?? '').toLowerCase();
    const criterion = word.replace(/^!/, '');
    let result: boolean;
    if (criterion === 'all') result = true;
    else if (criterion === 'canonical' || criterion === 'final') {
      if (criterion === 'final') w.wantFinal = true;
      result = w.finalPass;
    } else {
      const arg = list[++i] ?? fail(`${criterion} needs an argument`);
      if (criterion === 'host') result = listMatches(matchHostName(w), arg, true);
      else if (criterion === 'originalhost') result = listMatches(w.original, arg, true);
      else if (criterion === 'user') result = listMatches(w.found.user?.value ?? w.localUser, arg, false);
      else if (criterion === 'localuser') result = listMatches(w.localUser, arg, false);
      else if (['exec', 'localnetwork', 'tagged', 'version', 'sessiontype', 'command'].includes(criterion)) {
        supported = false;
        continue;
      } else return fail(`has an unknown criterion "${criterion}"`);
    }
    if (result === word.startsWith('!')) on = false;
  }
  return on && supported;
}

/** A Match pattern list: comma-separated, with `!` negation; host patterns compare in lower case. */
function listMatches(text: string, list: string, lower: boolean): boolean {
  let on = false;
  for (const item of list.split(',')) {
    const negated = item.startsWith('!');
    const pattern = lower ? item.slice(negated ? 1 : 0).toLowerCase() : item.slice(negated ? 1 : 0);
    if (patternMatches(text, pattern)) {
      if (negated) return false;
      on = true;
    }
  }
  return on;
}

/** OpenSSH patterns: `*` is any run of characters, `?` exactly one; case-sensitive. */
function patternMatches(text: string, pattern: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) =>
    c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`,
  );
  return new RegExp(`^${source}$`, 's').test(text);
}

/** The host name Match host sees: HostName with %h expanded; lowercased in the final pass, as in ssh. */
function matchHostName(w: Walk): string {
  const raw = w.found.hostname;
  if (w.finalPass) return finalHostName(w);
  return raw === undefined
    ? w.original
    : expand(raw.value, hostNameTokens(w), false, failer(raw.subject, 'HostName'));
}

function finalHostName(w: Walk): string {
  const raw = w.found.hostname;
  const name =
    raw === undefined
      ? w.original
      : expand(raw.value, hostNameTokens(w), false, failer(raw.subject, 'HostName'));
  return /^[A-Za-z0-9._-]+$/.test(name) ? name.toLowerCase() : name; // ssh leaves addresses alone
}

const hostNameTokens = (w: Walk): Map<string, () => string> => new Map([['h', () => w.original]]);

const failer =
  (subject: string, field: string): Fail =>
  (problem) => {
    throw new ConfigError(subject, field, problem);
  };

/** Expands `%x` tokens (and `${VAR}` when `env`); `%%` is a percent sign. */
function expand(text: string, tokens: Map<string, () => string>, env: boolean, fail: Fail): string {
  const known = ['%', ...tokens.keys()].map((k) => `%${k}`).join(' ');
  return text.replace(/%(.?)|\$\{([^}]*)\}/gs, (match: string, key?: string, name?: string) => {
    if (name !== undefined)
      return env
        ? (process.env[name] ?? fail(`uses \${${name}}, which is not set in the environment`))
        : match;
    if (key === '%') return '%';
    const token = key === undefined ? undefined : tokens.get(key);
    if (token === undefined)
      return fail(`uses %${key ?? ''} in "${text}", which rxjobs does not expand (it knows ${known})`);
    return token();
  });
}

function expandPath(
  path: string,
  subject: string,
  field: string,
  w: Walk,
  tokens: Map<string, () => string>,
): string {
  const tilde = path === '~' || path.startsWith('~/') ? w.home.replace(/\/+$/, '') + path.slice(1) : path;
  return expand(tilde, tokens, true, failer(subject, field));
}

function includePath(pattern: string, home: string): string {
  if (pattern === '~' || pattern.startsWith('~/')) return home.replace(/\/+$/, '') + pattern.slice(1);
  return isAbsolute(pattern) ? pattern : join(home, '.ssh', pattern);
}

/** glob(3) for Include: `*` and `?` in any path segment, no dotfiles unless asked, in lexical order. */
async function expandGlob(pattern: string): Promise<string[]> {
  if (!/[*?]/.test(pattern)) return [pattern];
  let paths = [pattern.startsWith('/') ? '/' : '.'];
  for (const segment of pattern.split('/').filter((s) => s !== '')) {
    if (!/[*?]/.test(segment)) {
      paths = paths.map((p) => join(p, segment));
      continue;
    }
    const next: string[] = [];
    for (const dir of paths) {
      const names = await readdir(dir).catch(() => []);
      for (const name of names.sort())
        if ((segment.startsWith('.') || !name.startsWith('.')) && patternMatches(name, segment))
          next.push(join(dir, name));
    }
    paths = next;
  }
  return paths;
}

function result(w: Walk): SshHostConfig {
  const { found } = w;
  const out: SshHostConfig = {};
  if (found.hostname) out.hostname = finalHostName(w);
  if (found.user) out.user = found.user.value;
  if (found.port) out.port = found.port.value;
  const uid = (): string =>
    String(process.getuid?.() ?? failer('resolveSshConfig', '%i')('has no value here'));
  const tokens = new Map<string, () => string>([
    ['h', () => finalHostName(w)],
    ['n', () => w.original],
    ['p', () => String(found.port?.value ?? 22)],
    ['r', () => found.user?.value ?? w.localUser],
    ['u', () => w.localUser],
    ['d', () => w.home],
    ['l', () => localHostName()],
    ['L', () => localHostName().split('.')[0] ?? ''],
    ['i', uid],
    ['k', () => found.hostkeyalias?.value ?? w.original],
  ]);
  if (w.identityFiles.length > 0)
    out.identityFiles = w.identityFiles
      .filter((f) => f.value.toLowerCase() !== 'none')
      .map((f) => expandPath(f.value, f.subject, 'IdentityFile', w, tokens));
  if (found.proxyjump && found.proxyjump.value.length > 0) out.proxyJump = found.proxyjump.value;
  if (found.stricthostkeychecking) out.strictHostKeyChecking = found.stricthostkeychecking.value;
  const known = found.userknownhostsfile;
  if (known)
    out.userKnownHostsFiles =
      known.value.length === 1 && known.value[0]?.toLowerCase() === 'none'
        ? []
        : known.value.map((f) => expandPath(f, known.subject, 'UserKnownHostsFile', w, tokens));
  if (found.connecttimeout) out.connectTimeout = found.connecttimeout.value * 1000;
  if (found.serveraliveinterval) out.serverAliveInterval = found.serveraliveinterval.value * 1000;
  if (found.serveralivecountmax) out.serverAliveCountMax = found.serveralivecountmax.value;
  if (found.identitiesonly) out.identitiesOnly = found.identitiesonly.value;
  return out;
}
