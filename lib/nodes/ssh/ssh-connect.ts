import type { Duplex } from 'node:stream';

import type { AuthPlan } from './ssh-auth.js';
import { SshConnection } from './ssh-connection.js';
import type { Client } from './ssh2.js';
import { SshTimeoutError } from '../../errors/ssh-timeout-error.js';
import type { SocketError } from './connect-failure.js';
import { classify, closedWhileConnecting, Failure, tunnelFailure } from './connect-failure.js';
import type { Algorithms } from './host-key-algorithms.js';
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
// handshakes in progress in this process, over every server: one thread does the client's side of them all,
// and a thousand at once only make each one slower, until their connect timeouts fire (and every server of
// a testbed sees its own burst of them, beyond what its MaxStartups lets in). Direct connections only: one
// through a gateway opens its tunnel first, which may need the gateway's own handshake.
const HANDSHAKES_AT_ONCE = 64;
const handshakes = new Slots(HANDSHAKES_AT_ONCE);
const ramps = new Map<string, Slots>();
const rampFor = (key: string, limit: number): Slots => {
  let slots = ramps.get(key);
  if (slots === undefined) ramps.set(key, (slots = new Slots(limit)));
  return slots;
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
    // a node closed while it waits for its turn stops waiting at once (its close() awaits this)
    const release = await ramp.acquire(spec.signal).catch(() => {
      throw closedWhileConnecting(spec, attempt).error;
    });
    let releaseHandshake: (() => void) | undefined;
    if (spec.tunnel === undefined) {
      releaseHandshake = await handshakes.acquire(spec.signal).catch(() => {
        release();
        throw closedWhileConnecting(spec, attempt).error;
      });
    }
    let failure: Failure;
    try {
      if (spec.signal?.aborted === true) throw closedWhileConnecting(spec, attempt);
      // the slot outlives the attempt until the server is past authentication (see GRACE_OPENSSH_MS)
      return await attemptOnce(spec, attempt, NewClient, release);
    } catch (e: unknown) {
      release();
      failure = e as Failure;
    } finally {
      releaseHandshake?.();
    }
    if (!failure.retry || attempt >= spec.attempts) throw failure.error;
    await delay(250 * 2 ** (attempt - 1) * (0.5 + Math.random()), spec.signal);
    if (spec.signal?.aborted === true) throw closedWhileConnecting(spec, attempt).error;
  }
}
