import type { ClientChannel, SFTPWrapper } from './ssh2.js';
import type { Client } from './ssh2.js';
import { SshError } from './errors/ssh-error.js';
import { SshTimeoutError } from './errors/ssh-timeout-error.js';
import { Slots } from './slots.js';

const OPEN_ATTEMPTS = 6;

/** What a connection needs to know about itself. @internal */
export interface ConnectionInfo {
  /** `user@host:port`, with its gateways: how errors name the node. */
  readonly label: string;
  /** Sessions (channels) open at once on this connection: the server's `MaxSessions`, 2 or more. */
  readonly maxSessions: number;
  /** How long keepalives may go unanswered before the connection counts as lost, in ms (0: no keepalives). */
  readonly keepaliveBound: number;
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
  #closed = false;
  readonly #onClose = new Set<(error: Error) => void>();

  constructor(client: Client, info: ConnectionInfo) {
    this.client = client;
    this.label = info.label;
    this.sessions = new Slots(info.maxSessions - 1);
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
