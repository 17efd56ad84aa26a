/**
 * OpenSSH client config (`~/.ssh/config`) resolved for one host, as `ssh -G` does it: the `ssh-config`
 * package parses the text; this folder evaluates it (Host and Match blocks, first value wins, Include, the
 * final pass) and converts the options rxjobs uses. The package's own `compute()` is not used: its `?`
 * matches zero characters, it splits Host patterns on commas, ignores Include and runs `Match exec`.
 * This file walks the files, block by block, and turns the values obtained into an {@link SshHostConfig}.
 * @module
 */
import { homedir, hostname as localHostName, userInfo } from 'node:os';
import { join } from 'node:path';

import type { Line } from 'ssh-config';

import { ConfigError } from '../../../errors/config-error.js';
import { expandPath, failer } from './expand.js';
import { MAX_INCLUDE_DEPTH, expandGlob, includePath, load, parseText } from './files.js';
import type { Args, Values } from './keywords.js';
import { OPTIONS, isOption, one } from './keywords.js';
import { finalHostName, hostMatches, matchMatches } from './match.js';
import type { ResolveSshConfigOptions, SshHostConfig } from './types.js';
import type { Obtained, Walk } from './walk-state.js';

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
