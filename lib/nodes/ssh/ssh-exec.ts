import { Observable } from 'rxjs';

import type { ChunkEvent, CommandEvent, LineEvent } from '../command-event.js';
import { exitEvent } from '../command-event.js';
import type { ExecOptions } from '../node.js';
import type { OutputSink } from '../output-sink.js';
import { outputSink } from '../output-sink.js';
import { ALIVE, groupKill } from '../group-kill.js';
import type { ExecHost } from './exec-host.js';
import { startStdin, wrapCommand } from './exec-wrapper.js';
import type { SshConnection } from './ssh-connection.js';
import type { ClientChannel } from './ssh2.js';
import { SshError } from '../../errors/ssh-error.js';
import { bounded } from './waits.js';

// The command's shell prints its pid first, on stderr (stdout with a pty), in this line. sshd makes every
// command's shell the leader of a new session and process group, so that pid is also the group to kill.
const MARK = 'rxjobs-pid:';
const PID_WAIT_MS = 2000; // a command cancelled before its pid arrived: how long to wait for it
const CLOSE_WAIT_MS = 1000;
const KILL_BOUND_MS = 5000;

/**
 * The group kill, run on the remote host over a fresh channel, so that it works where sshd refuses `signal`
 * requests.
 */
const killScript = (pid: number, graceMs: number): string =>
  `${ALIVE}${groupKill(String(pid), graceMs)}; exit 0`;

const closeOf = (channel: ClientChannel): Promise<void> =>
  new Promise((resolve) => {
    channel.once('close', () => {
      resolve();
    });
  });

/**
 * Has `options.flow` pause and resume the reading of `ch` (stdout and stderr), a command of the node `label`
 * (a hold of that label's view stops it too): a paused channel's window is no longer renewed once ssh2's
 * buffers are full, so the remote command blocks on its writes.
 */
const flowTap = (options: ExecOptions, ch: ClientChannel, label: string): (() => void) | undefined =>
  options.flow?.attach(
    {
      pause: () => {
        ch.pause();
        ch.stderr.pause();
      },
      resume: () => {
        ch.resume();
        ch.stderr.resume();
      },
    },
    label,
  );

/**
 * A command on an SSH connection, as the Observable of its events. Takes a session slot for its whole life;
 * unsubscribing before the exit kills the command's process group (TERM, then KILL), then closes the channel
 * and gives the slot back. The node's `close()` does the same, and errors the stream with an `SshError`; a
 * lost connection errors it with the reason (`SshTimeoutError` when keepalives went unanswered).
 * @internal
 */
export function sshExec(
  host: ExecHost,
  command: string,
  options: ExecOptions = {},
): Observable<CommandEvent> {
  return new Observable<CommandEvent>((subscriber) => {
    const emit = (event: LineEvent | ChunkEvent): void => {
      subscriber.next(event);
    };
    let sink: OutputSink; // line events, or chunk events
    try {
      sink = outputSink(options.output, host.node, emit, host.name, options.maxLineBytes);
    } catch (e: unknown) {
      subscriber.error(e); // a bad output option: before connecting
      return undefined;
    }
    const abort = new AbortController();
    const unhold = host.hold(); // until nothing of the command is left, its kill included
    const pidStream = options.pty === true ? 'stdout' : 'stderr';
    let connection: SshConnection | undefined;
    let channel: ClientChannel | undefined;
    let release: (() => void) | undefined;
    let finished = false;
    let exited = false;
    let pid: number | undefined;
    let pidWaiter: ((pid: number | undefined) => void) | undefined;
    let stopWatching: (() => void) | undefined;
    let execPending = false; // between asking for a channel and getting it
    let channelClosed: Promise<void> = Promise.resolve();
    // resolves once nothing of the command is left: no channel, no slot, no kill in progress
    let settle: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => {
      settle = () => {
        unhold(); // before the stream ends: a job's shutdown that follows at once sees the node unused
        resolve();
      };
    });
    let stopClosing: () => void = () => undefined;
    let stopStdin: () => void = () => undefined; // stops reading a stdin stream
    let onHead: ((marked: boolean) => void) | undefined; // the first line of the pid stream came
    let detach: (() => void) | undefined; // from the flow

    const finish = (): void => {
      finished = true;
      stopStdin();
      detach?.();
      stopWatching?.();
      stopClosing();
      release?.();
      settle();
    };

    const start = async (): Promise<void> => {
      connection = await host.connect();
      const conn = connection;
      const slot = await conn.sessions.acquire(abort.signal);
      if (finished) {
        slot(); // cancelled between the grant and now
        return;
      }
      release = slot;
      stopWatching = conn.onClose(() => {
        if (finished) return;
        finish();
        subscriber.error(conn.errorWhile(`running: ${command}`));
      });
      if (conn.closed) return; // the listener above has already ended the stream
      const wire = (ch: ClientChannel): void => {
        channel = ch;
        channelClosed = closeOf(ch);
        // the first line of the pid stream, until its end arrives
        let head: Buffer | undefined = Buffer.alloc(0);
        const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
          if (stream !== pidStream || head === undefined) {
            sink.push(stream, chunk);
            return;
          }
          head = Buffer.concat([head, chunk]);
          const nl = head.indexOf(0x0a);
          if (nl === -1 && head.length < 64) return;
          const first = head.subarray(0, nl === -1 ? 0 : nl).toString('latin1');
          const rest = first.startsWith(MARK) ? head.subarray(nl + 1) : head;
          if (first.startsWith(MARK)) pid = Number(first.slice(MARK.length));
          head = undefined;
          pidWaiter?.(pid);
          onHead?.(first.startsWith(MARK)); // once: head is undefined from now on
          if (rest.length > 0) sink.push(stream, rest);
        };
        ch.on('data', onData('stdout'));
        ch.stderr.on('data', onData('stderr'));
        detach = flowTap(options, ch, host.node.label);
        let status: { code: number | null; signal: string | null } | undefined;
        ch.on('exit', (code: number | null, signal?: string) => {
          exited = true;
          status = { code, signal: signal ?? null };
        });
        const onClose = (): void => {
          if (finished) return;
          // stderr may still hold data (a held flow): its 'end' comes once that is read
          if (!ch.stderr.readableEnded && !ch.stderr.destroyed) {
            ch.stderr.once('end', onClose);
            return;
          }
          if (head !== undefined && head.length > 0) sink.push(pidStream, head);
          head = undefined;
          sink.end('stdout');
          sink.end('stderr');
          finish();
          if (status === undefined)
            subscriber.error(
              conn.closed
                ? conn.errorWhile(`running: ${command}`)
                : new SshError(conn.label, `the command ended without an exit status: ${command}`),
            );
          else {
            subscriber.next(exitEvent(host.node, status.code, status.signal, command));
            subscriber.complete();
          }
        };
        ch.on('close', onClose);
        const fail = (e: unknown): void => {
          if (!finished) subscriber.error(e); // the teardown kills the command
        };
        const input = startStdin(ch, wrapped, options.stdin, fail, { host: conn.label, command });
        stopStdin = input.stop;
        onHead = input.onHead;
      };
      const wrapped = wrapCommand(command, options.env, options.pty === true, MARK);
      execPending = true;
      // a refused session waits for the slot again (release stays the one to call)
      await conn.exec(wrapped.line, options.pty === true, wire, {
        release: slot,
        signal: abort.signal,
      });
      execPending = false;
      if (abort.signal.aborted) cancel();
    };

    /** Stops the command wherever it is; `settled` resolves once it is gone. */
    const cancel = (): void => {
      const conn = connection;
      const ch = channel;
      stopStdin(); // at once, even while the channel is on its way: its stdin source is ended now
      if (finished || execPending) return; // a channel on its way: start() cancels once it has it
      if (conn === undefined || ch === undefined) {
        // waiting for the connection or a slot: nothing runs remotely
        finish();
        return;
      }
      finished = true;
      detach?.();
      stopWatching?.();
      stopClosing();
      if (exited) {
        ch.close();
        release?.();
        settle();
        return;
      }
      void killRemote(conn, ch).finally(settle);
    };

    const killRemote = async (conn: SshConnection, ch: ClientChannel): Promise<void> => {
      try {
        try {
          ch.signal('TERM');
        } catch {
          // sshd may refuse signals, or the channel is gone: the group kill below is the dependable path
        }
        const target =
          pid ??
          (await new Promise<number | undefined>((resolve) => {
            pidWaiter = resolve;
            setTimeout(() => {
              resolve(undefined);
            }, PID_WAIT_MS).unref();
          }));
        if (target !== undefined && !Number.isNaN(target) && !conn.closed) {
          // kill first: background children keep the channel's pipes open, so it closes only after them;
          // the kill runs in the session that the connection keeps for kills
          const releaseKill = await conn.kills.acquire();
          try {
            let killed: Promise<void> | undefined;
            await conn.exec(killScript(target, host.killGrace), false, (killer) => {
              killed = bounded(closeOf(killer), host.killGrace + KILL_BOUND_MS);
              killer.resume();
              killer.stderr.resume();
              killer.end();
            });
            await killed;
          } finally {
            releaseKill();
          }
        }
        ch.close();
        await bounded(channelClosed, CLOSE_WAIT_MS);
      } catch {
        // the connection went away: its processes get SIGHUP or SIGPIPE from sshd
      } finally {
        release?.();
      }
    };

    /** Cancels, and has `close()` wait until the command is gone. */
    const stop = (): void => {
      abort.abort();
      cancel();
      host.track(settled);
    };

    stopClosing = host.onClosing(() => {
      if (finished) return;
      stop();
      subscriber.error(new SshError(host.name, `connection closed by close() while running: ${command}`));
    });

    start().catch((e: unknown) => {
      if (finished) return;
      execPending = false;
      finish();
      if (!abort.signal.aborted) subscriber.error(e);
    });

    return () => {
      if (!finished) stop();
    };
  });
}
