/**
 * The checks of an SshNode's options, without I/O: the keys, their types and ranges, and the string form of
 * `new SshNode('user@host:port', options)`.
 * @module
 */
import { ConfigError } from '../../errors/config-error.js';
import {
  badOption,
  checkOption,
  checkOptionKeys,
  describeValue,
  is,
  optionKeys,
} from '../../errors/option-keys.js';
import type { SshNodeOptionsOf } from './ssh-node-options.js';

/** The keys of {@link SshNodeOptionsOf}. */
const SSH_NODE_KEYS = optionKeys([
  'hostname',
  'username',
  'port',
  'gateway',
  'keys',
  'passphrase',
  'agent',
  'password',
  'knownHosts',
  'hostKeyPolicy',
  'connectTimeout',
  'connectAttempts',
  'keepalive',
  'keepaliveCountMax',
  'maxSessions',
  'maxStartups',
  'sshConfig',
  'label',
  'killGrace',
  'linger',
  'algorithms',
  'worker',
]);

/**
 * The options of `new SshNode(target, options?)`: `target` is `host`, `user@host` or `user@host:port` (a
 * bare IPv6 address, with its colons, must be given as `{ hostname }`).
 * @internal
 */
export function sshNodeOptions<Gateway>(target: unknown, more: unknown): SshNodeOptionsOf<Gateway> {
  if (typeof target !== 'string') {
    if (more !== undefined)
      throw new ConfigError(
        'node (a new SshNode)',
        'options',
        `must be one object: write new SshNode({ hostname, ... }), or new SshNode('user@host', { ... }) with a string first`,
      );
    if (typeof target !== 'object' || target === null || Array.isArray(target))
      throw new ConfigError(
        'node (a new SshNode)',
        'options',
        `must be an object such as { hostname: 'fit01', username: 'root' }, or a string 'user@host', got ${describeValue(target)}`,
      );
    return target as SshNodeOptionsOf<Gateway>;
  }
  const match = /^(?:([^@\s:/>]+)@)?([\w.-]+)(?::(\d{1,5}))?$/.exec(target);
  if (match === null) {
    // a URL habit, user:password@host, must not put the password in an error message
    const shown = target.replace(/^([^@:\s]*):[^@]*@/, '$1:[redacted]@');
    throw new ConfigError(
      `node "${shown}"`,
      'hostname',
      `cannot be read from ${JSON.stringify(shown)}: write new SshNode('host'), new SshNode('user@host:port'), ` +
        `or new SshNode({ hostname, username, port }) (an IPv6 address, or a gateway, only that way)`,
    );
  }
  const [, username, hostname, port] = match;
  const parsed: Record<string, unknown> = { hostname };
  if (username !== undefined) parsed['username'] = username;
  if (port !== undefined) parsed['port'] = Number(port);
  if (more !== undefined) {
    checkOptionKeys(
      () => `node "${target}"`,
      'SshNode',
      more,
      SSH_NODE_KEYS,
      'options',
      "{ username: 'root' }",
    );
    for (const key of Object.keys(parsed))
      if ((more as Record<string, unknown>)[key] !== undefined)
        throw new ConfigError(
          `node "${target}"`,
          key,
          `is given twice, in ${JSON.stringify(target)} and in the options: give it once`,
        );
  }
  return { ...(more as object | undefined), ...parsed } as unknown as SshNodeOptionsOf<Gateway>;
}

const checkInteger = (subject: string, field: string, value: unknown, min: number, max: number): void => {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(
      subject,
      field,
      `must be an integer from ${String(min)} to ${String(max)}, got ${describeValue(value)}`,
    );
};

/**
 * Checks the options a node can check without I/O: types and ranges.
 * @throws ConfigError naming the node and the option.
 * @internal
 */
export function checkSshNodeOptions(options: SshNodeOptionsOf<unknown>): void {
  const { label, hostname } = options as { label?: unknown; hostname?: unknown };
  const subject = `node "${String(label ?? hostname)}"`;
  checkOptionKeys(() => subject, 'SshNode', options, SSH_NODE_KEYS);
  if (typeof options.hostname !== 'string' || options.hostname.trim() === '')
    throw badOption(subject, 'hostname', "a non-empty string such as 'fit01'", options.hostname);
  const given = (): string => subject;
  checkOption(given, options, 'label', 'a string', is.string);
  checkOption(given, options, 'username', 'a string', is.string);
  checkOption(given, options, 'password', 'a string', is.string);
  checkOption(given, options, 'worker', 'true or false', is.boolean);
  checkOption(given, options, 'keys', "a list of private key files, e.g. ['~/.ssh/id_ed25519']", is.strings);
  checkOption(given, options, 'knownHosts', 'a file name or a list of them', is.stringOrStrings);
  checkOption(
    given,
    options,
    'agent',
    "true, false or the agent's socket",
    (v) => is.boolean(v) || is.string(v),
  );
  checkOption(
    given,
    options,
    'sshConfig',
    'a file name, or false for none',
    (v) => v === false || is.string(v),
  );
  checkOption(
    given,
    options,
    'passphrase',
    'a string, or one per key file',
    (v) => is.string(v) || is.stringRecord(v),
  );
  checkInteger(subject, 'port', options.port, 1, 65535);
  checkInteger(subject, 'maxSessions', options.maxSessions, 2, 10000); // one is kept for kills
  checkInteger(subject, 'maxStartups', options.maxStartups, 1, 10000);
  checkInteger(subject, 'connectAttempts', options.connectAttempts, 1, 100);
  checkInteger(subject, 'keepaliveCountMax', options.keepaliveCountMax, 0, 1000);
  for (const field of ['connectTimeout', 'keepalive', 'killGrace', 'linger'] as const) {
    const value = options[field];
    if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value) || value < 0))
      throw badOption(subject, field, 'a duration in milliseconds, 0 or more', value);
  }
  if (options.hostKeyPolicy !== undefined && !['strict', 'accept-new', 'off'].includes(options.hostKeyPolicy))
    throw badOption(subject, 'hostKeyPolicy', "'strict', 'accept-new' or 'off'", options.hostKeyPolicy);
}
