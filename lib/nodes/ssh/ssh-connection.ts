import type { ClientChannel, SFTPWrapper } from './ssh2.js';
import type { Client } from './ssh2.js';
import { SshError } from '../../errors/ssh-error.js';
import { SshTimeoutError } from '../../errors/ssh-timeout-error.js';
import { Slots } from './slots.js';

// refusals of one session open before it fails: enough for a few waits for a slot and their races
const OPEN_ATTEMPTS = 8;
const QUICK_RETRY_MS = 20;
// without a slot to wait for again (kills, a transfer's clean-up): retries after 20, 40, ... 320 ms
const PLAIN_ATTEMPTS = 6;

/**
 * A session slot held for opening a channel, so that a refused open can give it back and wait for another
 * (see `Slots.requeue`); the wait ends with `signal`. @internal
 */
export interface SessionTurn {
  readonly release: () => void;
  readonly signal: AbortSignal;
}

/** ssh2's error for a channel the server refused: OpenSSH answers "open failed" when MaxSessions is reached. */
const isRefusal = (e: Error): boolean => /open failed|administratively prohibited/i.test(e.message);

/** What a connection needs to know about itself. @internal */
export interface ConnectionInfo {
  /** `user@host:port`, with its gateways: how errors name the node. */
  readonly label: string;
  /** Sessions (channels) open at once on this connection: the server's `MaxSessions`, 2 or more. */
  readonly maxSessions: number;
  /** How long keepalives may go unanswered before the connection counts as lost, in ms (0: no keepalives). */
  readonly keepaliveBound: number;
  /**
   * Called when a server's refusal lowered the session queue: `server` is the server's `MaxSessions` as
   * found, `limit` the sessions now left to commands and transfers.
   */
  readonly onSessionsLowered?: ((server: number, limit: number) => void) | undefined;
}

type SocketError = Error & { level?: string; code?: string };

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * One authenticated SSH connection (made by `openConnection`): a session queue, channels, and a record of
 * how the connection ended, so that every command on it can say why it stopped.
 * @internal
 */
export class SshConnection {
  readonly client: Client;
  /** Sessions for commands and transfers: all but one of the server's `MaxSessions`. */
  readonly sessions: Slots;
  /** The session kept for killing cancelled commands, whose own sessions stay open until they die. */
  readonly kills = new Slots(1);
  readonly label: string;
  #ended: { readonly error: Error; readonly what: string } | undefined;
  #open = 0; // session channels open
  readonly #gone = new AbortController(); // aborted when the connection closes
  readonly #maxSessions: number;
  readonly #onLowered: ((server: number, limit: number) => void) | undefined;
  #closed = false;
  readonly #onClose = new Set<(error: Error) => void>();

  constructor(client: Client, info: ConnectionInfo) {
    this.client = client;
    this.label = info.label;
    this.sessions = new Slots(info.maxSessions - 1);
    this.#maxSessions = info.maxSessions;
    this.#onLowered = info.onSessionsLowered;
    client.on('error', (e: SocketError) => {
      this.#ended ??=
        e.level === 'client-timeout'
          ? {
              error: new SshTimeoutError(info.label, 'keepalive', info.keepaliveBound),
              what: 'connection lost (no answer to keepalives)',
            }
          : this.#ending(`connection lost (${e.message})`, e);
    });
    client.on('close', () => {
      this.#closed = true;
      this.#gone.abort();
      const { error } = (this.#ended ??= this.#ending('connection lost (closed by the server)'));
      for (const listener of this.#onClose) listener(error);
      this.#onClose.clear();
    });
  }

  #ending(what: string, cause?: Error): { error: Error; what: string } {
    return { error: new SshError(this.label, what, cause === undefined ? {} : { cause }), what };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Why the connection ended, as the error of an operation that was in progress on it (`doing`: `running:
   * <command>`): an `SshTimeoutError` when keepalives went unanswered, else an `SshError` that names the host
   * and says the connection was lost (or closed by `close()`).
   */
  errorWhile(doing: string): Error {
    const ended = this.#ended ?? this.#ending('connection lost');
    if (ended.error instanceof SshTimeoutError) return ended.error;
    return new SshError(this.label, `${ended.what} while ${doing}`, { cause: ended.error });
  }

  /** Calls `listener` with the reason when the connection closes; returns a function to stop listening. */
  onClose(listener: (error: Error) => void): () => void {
    if (this.#closed) {
      listener((this.#ended ?? this.#ending('connection closed')).error);
      return () => undefined;
    }
    this.#onClose.add(listener);
    return () => this.#onClose.delete(listener);
  }

  /**
   * Opens a session channel and runs `command` in it. `onChannel` is called at once, in ssh2's callback: the
   * channel's first events (its whole output, for a quick command) may arrive in the same chunk. With a
   * `turn` (the session slot held for it), a server that refuses the session makes it wait for a slot again
   * (see {@link SessionTurn}).
   */
  async exec(
    command: string,
    pty: boolean,
    onChannel: (channel: ClientChannel) => void,
    turn?: SessionTurn,
  ): Promise<void> {
    await this.#openSession(
      () =>
        new Promise<ClientChannel>((resolve, reject) => {
          this.client.exec(command, pty ? { pty: true } : {}, (e, channel) => {
            if (e !== undefined) reject(e);
            else {
              this.#count(channel);
              onChannel(channel);
              resolve(channel);
            }
          });
        }),
      'cannot start a command',
      turn,
    );
  }

  /** Opens an SFTP session; with a `turn`, as {@link exec}. */
  sftp(turn?: SessionTurn): Promise<SFTPWrapper> {
    return this.#openSession(
      () =>
        new Promise<SFTPWrapper>((resolve, reject) => {
          this.client.sftp((e, sftp) => {
            if (e !== undefined) reject(e);
            else {
              this.#count(sftp);
              resolve(sftp);
            }
          });
        }),
      'cannot start SFTP',
      turn,
    );
  }

  /** Counts a session channel as open until it closes (commands, transfers and kills alike). */
  #count(channel: { once(event: 'close', listener: () => void): unknown }): void {
    this.#open++;
    channel.once('close', () => {
      this.#open--;
    });
  }

  /**
   * Opens a session, the server's refusals (its `MaxSessions` reached) retried. sshd frees a closed session a
   * moment after it says so: a refusal is first tried again after a short delay. A second refusal in a row
   * means the server allows fewer sessions than the node's `maxSessions`: the number open when it came is
   * taken as the server's limit, the session queue is lowered to it (one kept for kills, at least one), and
   * the opener waits for a slot again (with a `turn`; without one, after a delay). After
   * {@link OPEN_ATTEMPTS} refusals, an error that says which settings to change.
   */
  async #openSession<T>(open: () => Promise<T>, what: string, turn: SessionTurn | undefined): Promise<T> {
    let quick = true; // the next refusal is retried after a short delay
    for (let refusals = 1; ; refusals++) {
      try {
        return await open();
      } catch (e: unknown) {
        const error = e as Error;
        const openNow = this.#open; // as the refusal came
        if (this.#closed || !isRefusal(error)) throw this.#channelError(what, error);
        if (refusals >= (turn === undefined ? PLAIN_ATTEMPTS : OPEN_ATTEMPTS))
          throw this.#refusedError(what, error, refusals);
        if (quick || turn === undefined) {
          if (!quick) this.#lower(openNow);
          quick = false;
          await delay(turn === undefined ? 10 * 2 ** refusals : QUICK_RETRY_MS);
          turn?.signal.throwIfAborted();
          continue;
        }
        this.#lower(openNow);
        try {
          await this.sessions.requeue(turn.release, AbortSignal.any([turn.signal, this.#gone.signal]));
        } catch (why: unknown) {
          throw this.#gone.signal.aborted ? this.#channelError(what, error) : why;
        }
        quick = true;
      }
    }
  }

  /**
   * The server refused a session while `open` were open: it allows that many. Lowers the session queue (one
   * kept for kills) and tells `onSessionsLowered`, when that lowers it.
   */
  #lower(open: number): void {
    const limit = Math.max(1, open - 1); // one kept for kills
    if (limit >= this.sessions.limit) return;
    this.sessions.lower(limit);
    this.#onLowered?.(open, this.sessions.limit);
  }

  #refusedError(what: string, e: Error, refusals: number): Error {
    return new SshError(
      this.label,
      `${what}: the server refused a session ${String(refusals)} times, with ${String(this.#open)} open ` +
        `on this connection (${e.message}): its sshd_config MaxSessions is lower than the node's ` +
        `maxSessions (${String(this.#maxSessions)}); lower maxSessions, or raise MaxSessions on the server`,
      { cause: e },
    );
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
    this.#ended ??= this.#ending('connection closed by close()');
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
    return this.#ended?.error ?? new SshError(this.label, `${what}: ${e.message}`, { cause: e });
  }
}
