// `-O Option=value`: the OpenSSH options that the CLIs honour, mapped onto SshNode options.
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

import type { HostKeyPolicy } from '../nodes/trust/known-hosts.js';
import type { SshNodeOptions } from '../nodes/ssh/ssh-node.js';
import { UsageError } from './argv.js';

/** What `-O` options give: SshNode options, plus the defaults they set for user, port, keys and jumps. */
export interface SshOptionValues {
  hostKeyPolicy?: HostKeyPolicy;
  knownHosts?: readonly string[];
  /** Milliseconds. */
  connectTimeout?: number;
  connectAttempts?: number;
  /** Milliseconds. */
  keepalive?: number;
  keepaliveCountMax?: number;
  user?: string;
  port?: number;
  identities?: string[];
  identitiesOnly?: boolean;
  proxyJump?: string;
}

const NAMES = [
  'StrictHostKeyChecking',
  'UserKnownHostsFile',
  'ConnectTimeout',
  'ConnectionAttempts',
  'ServerAliveInterval',
  'ServerAliveCountMax',
  'User',
  'Port',
  'IdentityFile',
  'IdentitiesOnly',
  'ProxyJump',
  'BatchMode',
] as const;

const yesNo = (name: string, value: string): boolean => {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  throw new UsageError(`-O ${name}=${value}: expected yes or no`);
};

const whole = (name: string, value: string, min: number): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min)
    throw new UsageError(`-O ${name}=${value}: expected a whole number of at least ${String(min)}`);
  return n;
};

const policyOf = (value: string): HostKeyPolicy => {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'strict') return 'strict';
  if (v === 'accept-new') return 'accept-new';
  if (v === 'no' || v === 'off') return 'off';
  throw new UsageError(`-O StrictHostKeyChecking=${value}: expected yes, accept-new or no`);
};

/**
 * Reads `-O` values (`Name=value` or `Name value`, names in any case, as ssh takes them): throws a
 * {@link UsageError} naming the option for an unknown name or a bad value.
 */
export function parseSshOptions(items: readonly string[]): SshOptionValues {
  const out: SshOptionValues = {};
  for (const item of items) {
    const m = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*?)\s*$/.exec(item);
    const name = NAMES.find((n) => n.toLowerCase() === m?.[1]?.toLowerCase());
    const value = m?.[2] ?? '';
    if (m === null || name === undefined)
      throw new UsageError(
        `-O ${item}: ${m === null ? 'expected Option=value' : 'not an option rxssh honours'}; known: ${NAMES.join(', ')}`,
      );
    if (value === '') throw new UsageError(`-O ${item}: the value is missing`);
    switch (name) {
      case 'StrictHostKeyChecking':
        out.hostKeyPolicy = policyOf(value);
        break;
      case 'UserKnownHostsFile':
        // several files separated by spaces, as in ssh_config; `none` for none
        out.knownHosts = value.toLowerCase() === 'none' ? [] : value.split(/\s+/).filter((f) => f !== '');
        break;
      case 'ConnectTimeout':
        out.connectTimeout = whole(name, value, 1) * 1000;
        break;
      case 'ConnectionAttempts':
        out.connectAttempts = whole(name, value, 1);
        break;
      case 'ServerAliveInterval':
        out.keepalive = whole(name, value, 0) * 1000;
        break;
      case 'ServerAliveCountMax':
        out.keepaliveCountMax = whole(name, value, 1);
        break;
      case 'User':
        out.user = value;
        break;
      case 'Port': {
        const port = whole(name, value, 1);
        if (port > 65535) throw new UsageError(`-O Port=${value}: expected a port from 1 to 65535`);
        out.port = port;
        break;
      }
      case 'IdentityFile':
        out.identities = [...(out.identities ?? []), value];
        break;
      case 'IdentitiesOnly':
        out.identitiesOnly = yesNo(name, value);
        break;
      case 'ProxyJump':
        out.proxyJump = value;
        break;
      case 'BatchMode':
        yesNo(name, value); // checked, but rxssh never prompts anyway
        break;
    }
  }
  return out;
}

/** Whether `path` is a file (or a link to one) that exists. */
const isFile = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;

/** What a command line says about every connection: `-l`, `-p`, `-i`, `-F`, `-c` and the `-O` values. */
export interface SshCommandLine {
  readonly login?: string | undefined;
  readonly port?: number | undefined;
  readonly identities?: readonly string[] | undefined;
  /** `-F`: a file, or `none`. */
  readonly sshConfig?: string | undefined;
  /** Seconds (`-c`). */
  readonly connectTimeout?: number | undefined;
  readonly ssh: SshOptionValues;
  /** What relative file names (`-i`, `-F`, `-O IdentityFile`, `-O UserKnownHostsFile`) are relative to. */
  readonly cwd: string;
}

/** A file named on the command line, relative to `cwd` (a leading `~` is left for the node to expand). */
const fileIn = (cwd: string, path: string): string =>
  path === '~' || path.startsWith('~/') ? path : resolve(cwd, path);

/** SshNode options that a command line sets for every node (`-l`/`-p` before `-O User`/`Port`); only the set ones. */
export type SshNodeDefaults = Omit<SshNodeOptions, 'hostname' | 'gateway' | 'label'>;

/** The SshNode options of a command line, for every node it reaches (a node's own settings win). */
export function sshNodeDefaults(line: SshCommandLine): SshNodeDefaults {
  const file = (path: string): string => fileIn(line.cwd, path);
  const ssh = {
    ...line.ssh,
    identities: line.ssh.identities?.map(file),
    knownHosts: line.ssh.knownHosts?.map(file),
  };
  const c = {
    ...line,
    identities: line.identities?.map(file),
    sshConfig:
      line.sshConfig === undefined || line.sshConfig.toLowerCase() === 'none'
        ? line.sshConfig
        : file(line.sshConfig),
  };
  // as ssh -F: a config file named on the command line must exist (checked before any host is reached)
  // (each named as written, checked where it is)
  if (c.sshConfig !== undefined && c.sshConfig.toLowerCase() !== 'none' && !isFile(c.sshConfig))
    throw new UsageError(
      `-F ${String(line.sshConfig)}: no such file: give an ssh config file, or -F none for none`,
    );
  // as ssh -i: a key named on the command line must exist; pssh's -i (inline output) is not a key
  for (const key of line.identities ?? [])
    if (!isFile(key === '~' || key.startsWith('~/') ? join(homedir(), key.slice(1)) : file(key)))
      throw new UsageError(
        `-i ${key}: no such key file (-i names a private key, as ssh's; pssh's -i, output inline, is the default)`,
      );
  const keys = [...(c.identities ?? []), ...(ssh.identities ?? [])];
  const all: SshNodeDefaults = {
    username: c.login ?? ssh.user,
    port: c.port ?? ssh.port,
    keys: keys.length > 0 ? keys : undefined,
    agent: ssh.identitiesOnly === true ? false : undefined,
    knownHosts: ssh.knownHosts,
    hostKeyPolicy: ssh.hostKeyPolicy,
    connectTimeout: c.connectTimeout === undefined ? ssh.connectTimeout : c.connectTimeout * 1000,
    connectAttempts: ssh.connectAttempts,
    keepalive: ssh.keepalive,
    keepaliveCountMax: ssh.keepaliveCountMax,
    sshConfig:
      c.sshConfig === undefined ? undefined : c.sshConfig.toLowerCase() === 'none' ? false : c.sshConfig,
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}
