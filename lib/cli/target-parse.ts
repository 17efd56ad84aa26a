/**
 * One target as apssh writes it: `[user@]host[:port]`, optionally behind a gateway, `gw->host`.
 * @module
 */
import { TargetError } from '../errors/target-error.js';

/**
 * One ssh endpoint: a host, and the user and port to use there when they were given.
 * @category models
 */
export interface Endpoint {
  readonly host: string;
  readonly user?: string | undefined;
  readonly port?: number | undefined;
}

/**
 * One target as written: its final endpoint and, when given, the gateway to reach it through. `gateway`
 * is `null` for an explicitly direct target (`None->host`), and absent when the default gateway (`-g`)
 * applies.
 * @category models
 */
export interface Target extends Endpoint {
  readonly gateway?: Endpoint | null | undefined;
}

const ARROW = /->|\u2192/;

/**
 * Parses one target (no host ranges: expand them first). Forms: `host`, `user@host`, `host:port`,
 * `user@host:port`, `[v6addr]:port` (a bare IPv6 address such as `fe80::1` has no port); with more than
 * one `@`, the user is everything before the last one. A gateway comes first: `[gwuser@]gw[:port]->target`
 * (the arrow may also be `→`); `None->target` or `none->target` is explicitly direct.
 * @param source Where `text` came from, for messages: `-t "a,b"`, `hosts.txt:3`.
 * @example
 * parseTarget('admin@gw->root@fit01:2222', '-t');
 * // { host: 'fit01', user: 'root', port: 2222, gateway: { host: 'gw', user: 'admin' } }
 * @throws {TargetError} for an empty host or user, a bad port, or more than one gateway.
 * @category constructors
 */
export function parseTarget(text: string, source: string): Target {
  const hops = text.split(ARROW);
  if (hops.length > 2)
    throw new TargetError({
      target: text,
      source,
      problem: 'only one gateway per target is supported: write gw->host, or give the gateway with -g',
    });
  const [first = '', second] = hops;
  if (second === undefined) return parseEndpoint(text, source);
  const endpoint = parseEndpoint(second, source, text);
  const gateway = first === 'None' || first === 'none' ? null : parseEndpoint(first, source, text, 'gateway');
  return { ...endpoint, gateway };
}

/**
 * Parses `[user@]host[:port]` (a gateway, for instance the `-g` value).
 * @param whole The whole target `text` is part of, named in messages.
 * @param what What the host is, in messages: `host` or `gateway`.
 * @throws {TargetError} for an empty host or user, or a bad port.
 * @category constructors
 */
export function parseEndpoint(text: string, source: string, whole = text, what = 'host'): Endpoint {
  const fail = (problem: string): never => {
    throw new TargetError({ target: whole, source, problem });
  };
  const at = text.lastIndexOf('@');
  const user = at < 0 ? undefined : text.slice(0, at);
  const rest = text.slice(at + 1);
  if (user === '')
    fail(`empty user name before "@${rest}": write user@${rest || 'host'}, or just ${rest || 'host'}`);
  let host = rest;
  let portText: string | undefined;
  const v6 = /^\[([^\]]*)\](?::(.*))?$/.exec(rest);
  if (v6 !== null) [, host = '', portText] = v6;
  else if (rest.indexOf(':') === rest.lastIndexOf(':') && rest.includes(':'))
    [host = '', portText] = rest.split(':');
  if (host === '')
    fail(
      text === ''
        ? `empty ${what} name: write [user@]${what}[:port]`
        : `no ${what} name in "${text}": write [user@]${what}[:port]`,
    );
  if (/[\s[\],/]/.test(host))
    fail(`"${host}" is not a ${what} name: it may not hold spaces, commas, slashes or brackets`);
  const endpoint: { host: string; user?: string; port?: number } = { host };
  if (user !== undefined) endpoint.user = user;
  if (portText !== undefined) endpoint.port = parsePort(portText, (problem) => fail(problem));
  return endpoint;
}

/**
 * Parses a TCP port number, 1 to 65535.
 * @param fail Called with the problem when `text` is not a port.
 * @category constructors
 */
export function parsePort(text: string, fail: (problem: string) => never): number {
  if (!/^\d+$/.test(text))
    fail(
      text === ''
        ? 'empty port after ":": write host:PORT with PORT from 1 to 65535, or drop the ":"'
        : `port "${text}" is not a number: write host:PORT with PORT from 1 to 65535`,
    );
  const port = Number(text);
  if (port < 1 || port > 65535) fail(`port ${text} is out of range: use 1 to 65535`);
  return port;
}

/**
 * The text of an endpoint in target syntax, `[user@]host[:port]`, with IPv6 hosts in brackets when a port
 * follows; {@link parseEndpoint} reads it back.
 * @example
 * formatEndpoint({ host: '::1', user: 'root', port: 2222 }); // 'root@[::1]:2222'
 * @category combinators
 */
export function formatEndpoint(endpoint: Endpoint): string {
  const { host, user, port } = endpoint;
  const shown = port !== undefined && host.includes(':') ? `[${host}]` : host;
  return `${user === undefined ? '' : `${user}@`}${shown}${port === undefined ? '' : `:${String(port)}`}`;
}

/**
 * The text of a target in target syntax, `gw->user@host:port` or `None->host` for an explicitly direct
 * one; {@link parseTarget} reads it back.
 * @category combinators
 */
export function formatTarget(target: Target): string {
  const { gateway } = target;
  const hop = gateway === undefined ? '' : gateway === null ? 'None->' : `${formatEndpoint(gateway)}->`;
  return hop + formatEndpoint(target);
}
