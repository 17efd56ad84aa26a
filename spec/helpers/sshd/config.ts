/** The sshd_config of each listener, and the blocks of addresses that one sshd serves. */
import * as path from 'node:path';

import type { FleetState } from './types.js';

const MAX_LISTEN_SOCKS = 16;

const quote = (value: string): string => {
  if (/["\n]/.test(value))
    throw new Error(`sshd harness: cannot put ${JSON.stringify(value)} in sshd_config`);
  return `"${value}"`;
};

export const configText = (state: FleetState, block: number, addresses: readonly string[]): string => {
  const { options, dir } = state;
  const extra = options.extraConfig ?? [];
  const matchAt = extra.findIndex((line) => /^\s*match\s/i.test(line));
  const head = matchAt < 0 ? extra : extra.slice(0, matchAt);
  const tail = matchAt < 0 ? [] : extra.slice(matchAt);
  const isSetEnv = (line: string): boolean => /^\s*setenv\s/i.test(line);
  const setEnv = [
    quote(`HOME=${path.join(dir, 'home')}`),
    ...head.filter(isSetEnv).map((l) => l.trim().slice(6).trim()),
  ];
  return [
    '# written by the sshd harness, spec/helpers/sshd/config.ts',
    ...head.filter((line) => !isSetEnv(line)),
    ...addresses.map((a) => `ListenAddress ${a}:${String(state.port)}`),
    `HostKey ${quote(state.hostKey)}`,
    `AuthorizedKeysFile ${quote(path.join(dir, 'authorized_keys'))}`,
    'StrictModes no',
    'UsePAM no',
    'UseDNS no',
    `PasswordAuthentication ${state.shadow === undefined ? 'no' : 'yes'}`,
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    `PermitRootLogin ${state.shadow === undefined ? 'prohibit-password' : 'yes'}`,
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
    'PrintMotd no',
    'PrintLastLog no',
    `PidFile ${quote(path.join(dir, `sshd-${String(block)}.pid`))}`,
    `SetEnv ${setEnv.join(' ')}`,
    ...(options.maxStartups === undefined ? [] : [`MaxStartups ${options.maxStartups}`]),
    ...(options.maxSessions === undefined ? [] : [`MaxSessions ${String(options.maxSessions)}`]),
    ...(options.kex === undefined ? [] : [`KexAlgorithms ${options.kex}`]),
    ...tail,
    '',
  ].join('\n');
};

export const blocksOf = (addresses: readonly string[]): string[][] => {
  const blocks: string[][] = [];
  for (let i = 0; i < addresses.length; i += MAX_LISTEN_SOCKS) {
    blocks.push(addresses.slice(i, i + MAX_LISTEN_SOCKS));
  }
  return blocks;
};
