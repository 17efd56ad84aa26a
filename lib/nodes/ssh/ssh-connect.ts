import type { Duplex } from 'node:stream';

import type { AuthPlan } from './ssh-auth.js';
import { SshConnection } from './ssh-connection.js';
import type { ConnectConfig } from './ssh2.js';
import type { Client } from './ssh2.js';
import { SshAuthError } from '../../errors/ssh-auth-error.js';
import type { ConnectFailure } from '../../errors/ssh-connect-error.js';
import { SshConnectError } from '../../errors/ssh-connect-error.js';
import { SshTimeoutError } from '../../errors/ssh-timeout-error.js';
import { Slots } from './slots.js';
import { loadSsh2 } from './ssh2-load.js';
import type { SshAlgorithms } from './ssh-node-options.js';

/** How to open one connection. @internal */
export interface ConnectSpec {
  /** `user@host:port`, with its gateways: how errors name the node. */
  readonly label: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly auth: AuthPlan;
  /** Resolves to accept the host key (the SSH wire blob), rejects with the reason to refuse it. */
  readonly verifyHostKey: (key: Buffer) => Promise<void>;
  /** Per attempt, in ms: the TCP connection (or tunnel), the handshake and the authentication. */
  readonly connectTimeout: number;
  /** Attempts for failures before authentication (refused, reset, dropped, timed out). */
  readonly attempts: number;
  /** Keepalive period in ms (0: off), and how many unanswered ones mean the peer is dead. */
  readonly keepaliveInterval: number;
  readonly keepaliveCountMax: number;
  /** Sessions (channels) open at once on this connection: the server's `MaxSessions`, 2 or more. */
  readonly maxSessions: number;
  /** See `ConnectionInfo.onSessionsLowered`. */
  readonly onSessionsLowered?: ((server: number, limit: number) => void) | undefined;
  /** Handshakes at once towards the same server (direct) or through the same gateway. */
  readonly rampKey: string;
  readonly rampLimit: number;
  /** Opens the transport through a gateway; direct TCP when unset. */
  readonly tunnel?: (() => Promise<Duplex>) | undefined;
  readonly algorithms?: SshAlgorithms | undefined;
  /** Aborted by the node's `close()`: the attempt in progress (or the wait before the next) stops at once. */
  readonly signal?: AbortSignal | undefined;
}

type Algorithms = NonNullable<ConnectConfig['algorithms']>;
type HostKeyAlgorithm = Extract<NonNullable<Algorithms['serverHostKey']>, readonly unknown[]>[number];

// ssh2's DEFAULT_SERVER_HOST_KEY (lib/protocol/constants.js, ssh2 1.17, ssh-ed25519 first as on any Node
// with EdDSA), then what it supports without offering it by default
const DEFAULT_HOST_KEY_ALGORITHMS: readonly HostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];
const OTHER_HOST_KEY_ALGORITHMS: readonly HostKeyAlgorithm[] = ['ssh-dss'];

/** The signature algorithms a host key of a known_hosts type can be presented with. */
const algorithmsOf = (type: string): string[] =>
  type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];

/**
 * The host key algorithms to offer, as OpenSSH orders them: those of the key types already known for the
 * host first (so that a server with several host keys presents one that can be checked), then ssh2's
 * default list. Undefined when that is ssh2's default list as it is (no type known, or ed25519 only).
 * @internal
 */
export const hostKeyAlgorithms = (knownTypes: readonly string[]): HostKeyAlgorithm[] | undefined => {
  const wanted = new Set<string>(knownTypes.flatMap(algorithmsOf));
  const first = [...DEFAULT_HOST_KEY_ALGORITHMS, ...OTHER_HOST_KEY_ALGORITHMS].filter((a) => wanted.has(a));
  const list = [...first, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !wanted.has(a))];
  return list.every((a, i) => a === DEFAULT_HOST_KEY_ALGORITHMS[i]) ? undefined : list;
};

// handshakes in progress, per server or gateway: beyond OpenSSH's MaxStartups (10 by default) it drops
// new connections at random, so a burst of hundreds of nodes waits here instead. sshd counts a connection
// until its monitor has taken over from the pre-authentication child, some 40 ms after the client reads
// USERAUTH_SUCCESS on an idle machine (more under load): a slot freed on 'ready' let the next handshake in
// while sshd still counted the last one, and at a limit equal to the server's, or under load, that one was
// dropped. The slot is freed once OpenSSH shows it is past that point: its post-authentication process
// announces the host keys (ssh2's 'hostkeys', after the proof it asks for). In case that never comes, the
// slot is freed anyway GRACE_OPENSSH_MS after 'ready'; other servers announce nothing, GRACE_OTHER_MS.
const GRACE_OPENSSH_MS = 1000;
const GRACE_OTHER_MS = 100;
/** The server's software, from its version line (`OpenSSH_9.2p1`); ssh2 keeps it without an accessor. */
const serverSoftware = (client: Client): string => {
  const software = (client as unknown as { _remoteVer?: unknown })._remoteVer;
  return typeof software === 'string' ? software : '';
};
const ramps = new Map<string, Slots>();
const rampFor = (key: string, limit: number): Slots => {
  let slots = ramps.get(key);
  if (slots === undefined) ramps.set(key, (slots = new Slots(limit)));
  return slots;
};

type SocketError = Error & { level?: string; code?: string };

/** A failed attempt: the error to report, and whether another attempt may succeed. */
class Failure extends Error {
  readonly error: Error;
  readonly retry: boolean;
  constructor(error: Error, retry: boolean) {
    super(error.message);
    this.error = error;
    this.retry = retry;
  }
}

const socketFailure = (code: string | undefined): ConnectFailure | undefined => {
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return 'unreachable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    default:
      return undefined;
  }
};

/** Maps an ssh2 error raised before the connection is ready. The only place that reads ssh2's `level`. */
const classify = (spec: ConnectSpec, e: SocketError, attempt: number): Failure => {
  const level = e.level;
  if (level === 'client-authentication') {
    const detail = spec.auth.problems.length > 0 ? spec.auth.problems.join('; ') : undefined;
    return new Failure(new SshAuthError(spec.label, spec.auth.tried, detail, { cause: e }), false);
  }
  if (level === 'client-timeout')
    return new Failure(new SshTimeoutError(spec.label, 'connect', spec.connectTimeout, attempt), true);
  const reason = socketFailure(e.code) ?? (level === 'client-dns' ? 'dns' : undefined);
  if (reason !== undefined)
    return new Failure(
      new SshConnectError(spec.label, reason, attempt, e.message, { cause: e }),
      reason !== 'dns',
    );
  if (/before handshake|closed|lost/i.test(e.message))
    return new Failure(
      new SshConnectError(spec.label, 'closed', attempt, `${e.message} (server busy?)`, { cause: e }),
      true,
    );
  return new Failure(new SshConnectError(spec.label, 'protocol', attempt, e.message, { cause: e }), false);
};

/** A tunnel that could not be opened: the gateway's own failure names the gateway, a refusal this node. */
const tunnelFailure = (spec: ConnectSpec, e: unknown, attempt: number): Failure => {
  if (e instanceof SshAuthError || e instanceof SshConnectError || e instanceof SshTimeoutError)
    return new Failure(e, false);
  const detail = `the gateway cannot reach it: ${e instanceof Error ? e.message : String(e)}`;
  return new Failure(new SshConnectError(spec.label, 'gateway', attempt, detail, { cause: e }), true);
};

/** The wait before another attempt: it holds the process (work is in progress), and ends on abort. */
const delay = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });

const closedWhileConnecting = (spec: ConnectSpec, attempt: number): Failure =>
  new Failure(
    new SshConnectError(spec.label, 'closed', attempt, 'the node was closed while connecting'),
    false,
  );

function attemptOnce(
  spec: ConnectSpec,
  attempt: number,
  NewClient: new () => Client,
  releaseSlot: () => void,
): Promise<SshConnection> {
  return new Promise((resolve, reject) => {
    const client = new NewClient();
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const pastAuthentication = (): void => {
      clearTimeout(grace);
      releaseSlot();
    };
    client.once('hostkeys', pastAuthentication);
    let refusal: Error | undefined; // a refused host key, which ssh2 only reports as a handshake failure
    const onAbort = (): void => {
      settle(closedWhileConnecting(spec, attempt));
    };
    const settle = (failure: Failure | undefined, connection?: SshConnection): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      if (failure === undefined && connection !== undefined) resolve(connection);
      else {
        pastAuthentication();
        client.destroy();
        reject(failure ?? new Failure(new Error('unreachable'), false));
      }
    };
    const timer = setTimeout(() => {
      settle(new Failure(new SshTimeoutError(spec.label, 'connect', spec.connectTimeout, attempt), true));
    }, spec.connectTimeout);
    client.on('ready', () => {
      client.setNoDelay(true); // small requests (a channel open, an exec) must not wait for Nagle
      const openssh = serverSoftware(client).startsWith('OpenSSH_');
      grace = setTimeout(pastAuthentication, openssh ? GRACE_OPENSSH_MS : GRACE_OTHER_MS);
      grace.unref(); // the slot matters only to connections still to come
      const keepaliveBound = spec.keepaliveInterval * (spec.keepaliveCountMax + 1);
      settle(undefined, new SshConnection(client, { ...spec, keepaliveBound }));
    });
    client.on('error', (e: SocketError) => {
      settle(refusal !== undefined ? new Failure(refusal, false) : classify(spec, e, attempt));
    });
    client.on('close', () => {
      pastAuthentication();
      settle(
        refusal !== undefined
          ? new Failure(refusal, false)
          : classify(spec, new Error('connection closed before the handshake'), attempt),
      );
    });
    const connect = (sock: Duplex | undefined): void => {
      if (settled) {
        sock?.destroy();
        return;
      }
      client.connect({
        host: spec.host,
        port: spec.port,
        username: spec.username,
        ...(sock === undefined ? {} : { sock }),
        readyTimeout: 0, // our own timer bounds the whole attempt, tunnel included
        keepaliveInterval: spec.keepaliveInterval,
        keepaliveCountMax: spec.keepaliveCountMax,
        authHandler: [...spec.auth.methods],
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
          spec.verifyHostKey(key).then(
            () => {
              verify(true);
            },
            (e: unknown) => {
              refusal = e instanceof Error ? e : new Error(String(e));
              verify(false);
            },
          );
        },
        // ssh2's own form, with names as plain strings (ssh2 refuses an unknown one when it connects)
        ...(spec.algorithms === undefined ? {} : { algorithms: spec.algorithms as Algorithms }),
      });
    };
    if (spec.signal?.aborted === true) {
      onAbort();
      return;
    }
    spec.signal?.addEventListener('abort', onAbort);
    if (spec.tunnel === undefined) connect(undefined);
    else
      spec.tunnel().then(connect, (e: unknown) => {
        settle(tunnelFailure(spec, e, attempt));
      });
  });
}

/**
 * Opens and authenticates a connection: waits for a handshake slot (the ramp), then tries up to
 * `attempts` times, with jittered exponential backoff, for failures that happen before authentication.
 * The final error says how many attempts were made.
 * @internal
 */
export async function openConnection(spec: ConnectSpec): Promise<SshConnection> {
  const [{ Client: NewClient }] = await loadSsh2();
  const ramp = rampFor(spec.rampKey, spec.rampLimit);
  for (let attempt = 1; ; attempt++) {
    const release = await ramp.acquire();
    let failure: Failure;
    try {
      if (spec.signal?.aborted === true) throw closedWhileConnecting(spec, attempt);
      // the slot outlives the attempt until the server is past authentication (see GRACE_OPENSSH_MS)
      return await attemptOnce(spec, attempt, NewClient, release);
    } catch (e: unknown) {
      release();
      failure = e as Failure;
    }
    if (!failure.retry || attempt >= spec.attempts) throw failure.error;
    await delay(250 * 2 ** (attempt - 1) * (0.5 + Math.random()), spec.signal);
    if (spec.signal?.aborted === true) throw closedWhileConnecting(spec, attempt).error;
  }
}
