/**
 * The config keywords rxjobs reads: their names in messages, and how each value is checked and converted
 * (times, flags, counts, ports, jump hops). A bad value fails in any block, matching or not, as in ssh.
 * @module
 */
import type { HostKeyPolicy } from '../known-hosts.js';
import { parseJumpHops, toPort } from './jump-hops.js';
import type { Fail, JumpHop } from './types.js';

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

/** The converted value of each option read here, by lowercase keyword. */
export interface Values {
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
export interface Args {
  readonly list: readonly string[];
  readonly quoted: boolean;
  readonly subject: string;
  readonly fail: Fail;
}

/** The one value of a directive: fails when it is missing or there are several. */
export function one({ list, quoted, fail }: Args): string {
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
export const OPTIONS: {
  readonly [K in keyof Values]: readonly [string, (args: Args) => Values[K] | undefined];
} = {
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

/** Whether a lowercase keyword is one of the options read here. */
export const isOption = (keyword: string): keyword is keyof Values => Object.hasOwn(OPTIONS, keyword);
