import type { Duplex } from 'node:stream';

import type { AuthPlan } from './ssh-auth.js';
import type { ClientChannel, ConnectConfig, SFTPWrapper } from './ssh2.js';
import { Client } from './ssh2.js';
import { SshAuthError } from './errors/ssh-auth-error.js';
import type { ConnectFailure } from './errors/ssh-connect-error.js';
import { SshConnectError } from './errors/ssh-connect-error.js';
import { SshError } from './errors/ssh-error.js';
import { SshTimeoutError } from './errors/ssh-timeout-error.js';
import { Slots } from './slots.js';

const OPEN_ATTEMPTS = 6;

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
  /** Handshakes at once towards the same server (direct) or through the same gateway. */
  readonly rampKey: string;
  readonly rampLimit: number;
  /** Opens the transport through a gateway; direct TCP when unset. */
  readonly tunnel?: (() => Promise<Duplex>) | undefined;
  readonly algorithms?: ConnectConfig['algorithms'] | undefined;
}

// handshakes in progress, per server or gateway: beyond OpenSSH's MaxStartups (10 by default) it drops
// new connections at random, so a burst of hundreds of nodes waits here instead
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

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * One authenticated SSH connection: a session queue, and a record of how it ended. Made by
 * {@link openConnection}.
 * @internal
 */
export class SshConnection {
  readonly client: Client;
  /** Sessions for commands and transfers: all but one of the server's `MaxSessions`. */
  readonly sessions: Slots;
  /** The session kept for killing cancelled commands, whose own sessions stay open until they die. */
  readonly kills = new Slots(1);
  readonly label: string;
  #ended: Error | undefined;
  #closed = false;
  readonly #onClose = new Set<(error: Error) => void>();

  constructor(client: Client, spec: ConnectSpec) {
    this.client = client;
    this.label = spec.label;
    this.sessions = new Slots(spec.maxSessions - 1);
    client.on('error', (e: SocketError) => {
      this.#ended ??=
        e.level === 'client-timeout'
          ? new SshTimeoutError(
              spec.label,
              'keepalive',
              spec.keepaliveInterval * (spec.keepaliveCountMax + 1),
            )
          : new SshError(spec.label, `connection lost: ${e.message}`, { cause: e });
    });
    client.on('close', () => {
      this.#closed = true;
      const error = (this.#ended ??= new SshError(spec.label, 'connection closed by the server'));
      for (const listener of this.#onClose) listener(error);
      this.#onClose.clear();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Calls `listener` with the reason when the connection closes; returns a function to stop listening. */
  onClose(listener: (error: Error) => void): () => void {
    if (this.#closed) {
      listener(this.#ended ?? new SshError(this.label, 'connection closed'));
      return () => undefined;
    }
    this.#onClose.add(listener);
    return () => this.#onClose.delete(listener);
  }

  /**
   * Opens a session channel and runs `command` in it. `onChannel` is called at once, in ssh2's callback: the
   * channel's first events (its whole output, for a quick command) may arrive in the same chunk.
   */
  async exec(command: string, pty: boolean, onChannel: (channel: ClientChannel) => void): Promise<void> {
    await this.#retryOpen(
      () =>
        new Promise<void>((resolve, reject) => {
          this.client.exec(command, pty ? { pty: true } : {}, (e, channel) => {
            if (e !== undefined) reject(e);
            else {
              onChannel(channel);
              resolve();
            }
          });
        }),
      'cannot start a command',
    );
  }

  sftp(): Promise<SFTPWrapper> {
    return this.#retryOpen(
      () =>
        new Promise<SFTPWrapper>((resolve, reject) => {
          this.client.sftp((e, sftp) => {
            if (e !== undefined) reject(e);
            else resolve(sftp);
          });
        }),
      'cannot start SFTP',
    );
  }

  /**
   * sshd frees a closed session a moment after it says so: an open refused while our own count is under
   * `MaxSessions` is tried again, a few times, before it counts as a failure.
   */
  async #retryOpen<T>(open: () => Promise<T>, what: string): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await open();
      } catch (e: unknown) {
        const error = e as Error;
        if (
          this.#closed ||
          attempt >= OPEN_ATTEMPTS ||
          !/open failed|administratively prohibited/i.test(error.message)
        )
          throw this.#channelError(what, error);
        await delay(10 * 2 ** attempt);
      }
    }
  }

  /** A TCP stream to `host:port` opened by the server (a gateway's tunnel). */
  forwardOut(host: string, port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (e, channel) => {
        if (e !== undefined) reject(e);
        else resolve(channel);
      });
    });
  }

  /** Ends the connection; resolves once closed (the socket destroyed after `grace` ms at most). */
  end(grace = 2000): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#ended ??= new SshError(this.label, 'connection closed by rxjobs');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.destroy();
      }, grace);
      timer.unref();
      this.onClose(() => {
        clearTimeout(timer);
        resolve();
      });
      this.client.end();
    });
  }

  #channelError(what: string, e: Error): Error {
    return this.#ended ?? new SshError(this.label, `${what}: ${e.message}`, { cause: e });
  }
}

function attemptOnce(spec: ConnectSpec, attempt: number): Promise<SshConnection> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let settled = false;
    let refusal: Error | undefined; // a refused host key, which ssh2 only reports as a handshake failure
    const settle = (failure: Failure | undefined, connection?: SshConnection): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (failure === undefined && connection !== undefined) resolve(connection);
      else {
        client.destroy();
        reject(failure ?? new Failure(new Error('unreachable'), false));
      }
    };
    const timer = setTimeout(() => {
      settle(new Failure(new SshTimeoutError(spec.label, 'connect', spec.connectTimeout, attempt), true));
    }, spec.connectTimeout);
    client.on('ready', () => {
      client.setNoDelay(true); // small requests (a channel open, an exec) must not wait for Nagle
      settle(undefined, new SshConnection(client, spec));
    });
    client.on('error', (e: SocketError) => {
      settle(refusal !== undefined ? new Failure(refusal, false) : classify(spec, e, attempt));
    });
    client.on('close', () => {
      settle(
        refusal !== undefined
          ? new Failure(refusal, false)
          : classify(spec, Object.assign(new Error('connection closed before the handshake'), {}), attempt),
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
        ...(spec.algorithms === undefined ? {} : { algorithms: spec.algorithms }),
      });
    };
    if (spec.tunnel === undefined) connect(undefined);
    else
      spec.tunnel().then(connect, (e: unknown) => {
        const error = e as SocketError;
        // the gateway's own failure names the gateway; a refused tunnel names this node
        if (
          error instanceof SshAuthError ||
          error instanceof SshConnectError ||
          error instanceof SshTimeoutError
        )
          settle(new Failure(error, false));
        else
          settle(
            new Failure(
              new SshConnectError(
                spec.label,
                'gateway',
                attempt,
                `the gateway cannot reach it: ${error.message}`,
                {
                  cause: e,
                },
              ),
              true,
            ),
          );
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
  const ramp = rampFor(spec.rampKey, spec.rampLimit);
  for (let attempt = 1; ; attempt++) {
    const release = await ramp.acquire();
    let failure: Failure;
    try {
      return await attemptOnce(spec, attempt);
    } catch (e: unknown) {
      failure = e as Failure;
    } finally {
      release();
    }
    if (!failure.retry || attempt >= spec.attempts) throw failure.error;
    await delay(250 * 2 ** (attempt - 1) * (0.5 + Math.random()));
  }
}
