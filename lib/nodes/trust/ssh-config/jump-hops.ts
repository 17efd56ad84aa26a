/**
 * ProxyJump values and `ssh -J` arguments: `[user@]host[:port]` hops, comma-separated.
 * @module
 */
import { ConfigError } from '../../../errors/config-error.js';
import type { Fail, JumpHop, JumpSpecSource } from './types.js';

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

/** A port number 1-65535 written in decimal digits; undefined otherwise. */
export const toPort = (text: string): number | undefined => {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  return n >= 1 && n <= 65535 ? n : undefined;
};
