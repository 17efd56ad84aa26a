import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { Observable } from 'rxjs';

import { isJobsError } from '../../errors/jobs-error.js';
import { SshError } from '../../errors/ssh-error.js';
import { TransferError } from '../../errors/transfer-error.js';
import type { TransferOptions } from '../node.js';
import type { TempFiles } from './sftp/sftp-files.js';
import { pullsToFile } from '../local-files.js';
import { localRoot } from './sftp/pull-confine.js';
import { getFile, getPath } from './sftp/sftp-get.js';
import { watchNames } from './sftp/sftp-raw.js';
import {
  putData,
  putPath,
  remoteKind,
  remoteMkdirs,
  remoteUnlink,
  removeLocalTemps,
} from './sftp/sftp-files.js';
import type { ExecHost } from './exec-host.js';
import type { SshConnection } from './ssh-connection.js';
import type { SFTPWrapper } from './ssh2.js';
import { bounded } from './waits.js';

/** Where a transfer runs: as for a command, without the kill. @internal */
export type TransferHost = Pick<ExecHost, 'name' | 'connect' | 'track' | 'onClosing' | 'hold'>;

const CLOSE_WAIT_MS = 1000;

/** Runs `work`, its failures turned into a `TransferError` naming the host and `file`. */
async function step(host: TransferHost, file: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (e: unknown) {
    if (isJobsError(e)) throw e;
    throw new TransferError(host.name, file, (e as Error).message, { cause: e });
  }
}

/**
 * An SFTP session as a cold Observable: a session slot and an SFTP channel for the life of `work`.
 * Unsubscribing (or a failure, or the node's `close()`) removes the temporary files of the transfer, so that
 * nothing partial stays behind; `localChecks` are paths that must exist before any connection is made.
 */
function sftpTask(
  host: TransferHost,
  work: (sftp: SFTPWrapper, temps: TempFiles) => Promise<void>,
  localChecks: readonly string[] = [],
): Observable<never> {
  return new Observable<never>((subscriber) => {
    const temps: TempFiles = { local: new Set(), remote: new Set() };
    const unhold = host.hold(); // until the transfer and its clean-up are over
    const abort = new AbortController();
    let sftp: SFTPWrapper | undefined;
    let sftpClosed: Promise<void> = Promise.resolve();
    let connection: SshConnection | undefined;
    let release: (() => void) | undefined;
    let done = false;
    let stopped: Error | undefined; // set by close()
    const cleanup = async (): Promise<void> => {
      sftp?.end();
      try {
        // the old channel closed first, so that none of its requests (an open) lands after the unlinks
        await Promise.all([removeLocalTemps(temps), bounded(sftpClosed, CLOSE_WAIT_MS)]);
        if (temps.remote.size > 0 && connection !== undefined && !connection.closed) {
          const fresh = await connection.sftp().catch(() => undefined);
          if (fresh !== undefined) {
            await Promise.all([...temps.remote].map((f) => remoteUnlink(fresh, f)));
            fresh.end();
          }
        }
      } finally {
        release?.();
      }
    };
    const run = async (): Promise<void> => {
      for (const local of localChecks) {
        try {
          await stat(local);
        } catch (e: unknown) {
          throw new TransferError(host.name, local, 'no such local file or directory', { cause: e });
        }
      }
      connection = await host.connect();
      const slot = await connection.sessions.acquire(abort.signal);
      release = slot;
      const channel = await connection.sftp({ release: slot, signal: abort.signal });
      sftp = channel;
      sftpClosed = new Promise((resolve) => {
        channel.once('close', () => {
          resolve();
        });
      });
      if (abort.signal.aborted) return;
      // ssh2 drops the requests made on a closed SFTP channel without calling them back: a fastPut or
      // fastGet stopped by sftp.end() between two requests would never settle, so the abort settles it
      await Promise.race([work(sftp, temps), cancelled]);
    };
    const cancelled = new Promise<never>((_, reject) => {
      abort.signal.addEventListener(
        'abort',
        () => {
          reject(new SshError(host.name, 'transfer cancelled'));
        },
        { once: true },
      );
    });
    cancelled.catch(() => undefined); // only raced
    const finished: Promise<void> = run().then(
      () => {
        done = true;
        stopClosing();
        sftp?.end();
        release?.();
        unhold(); // before the stream ends, as a command does
        if (stopped === undefined) subscriber.complete();
        else subscriber.error(stopped);
      },
      async (e: unknown) => {
        done = true;
        stopClosing();
        await cleanup().catch(() => undefined); // the error reported is the transfer's
        unhold();
        subscriber.error(stopped ?? e);
      },
    );
    const stop = (): void => {
      abort.abort();
      sftp?.end(); // fails the transfer in progress; its error path cleans up, and close() waits for it
      host.track(finished);
    };
    const stopClosing = host.onClosing(() => {
      if (done) return;
      stopped = new SshError(host.name, 'connection closed by close() during a transfer');
      stop();
    });
    return () => {
      if (!done) stop();
    };
  });
}

/** {@link Node.push} over SFTP. @internal */
export const sshPush = (
  host: TransferHost,
  localPaths: readonly string[],
  remoteDir: string,
  options: TransferOptions,
): Observable<never> =>
  sftpTask(
    host,
    async (sftp, temps) => {
      await step(host, remoteDir, () => remoteMkdirs(sftp, remoteDir, 0o755));
      for (const local of localPaths)
        await step(host, local, () =>
          putPath(sftp, local, remoteDir, {
            preserve: options.preserve !== false,
            temps,
            onRenamed: options.onRenamed,
          }),
        );
    },
    localPaths,
  );

/** {@link Node.pull} over SFTP. @internal */
export const sshPull = (
  host: TransferHost,
  remotePaths: readonly string[],
  localDir: string,
  options: TransferOptions,
): Observable<never> =>
  sftpTask(host, async (sftp, temps) => {
    watchNames(sftp); // before any request: names that are not UTF-8 are read as bytes
    const kinds: ('file' | 'dir' | undefined)[] = [];
    for (const remote of remotePaths) {
      const kind = await remoteKind(sftp, remote);
      if (kind === undefined) throw new TransferError(host.name, remote, 'no such remote file or directory');
      kinds.push(kind);
    }
    const [single] = remotePaths;
    if (
      single !== undefined &&
      remotePaths.length === 1 &&
      kinds[0] === 'file' &&
      (await pullsToFile(localDir))
    ) {
      // scp's rule: the file is written as localDir itself (its name comes from the caller, not the server)
      const target = resolve(localDir);
      await mkdir(dirname(target), { recursive: true });
      await step(host, single, () => getFile(sftp, single, target, options.preserve !== false, temps));
      return;
    }
    await mkdir(localDir, { recursive: true });
    const root = await localRoot(host.name, localDir);
    const onRenamed = options.onRenamed;
    const get = { root, preserve: options.preserve !== false, temps, onRenamed };
    for (const remote of remotePaths) await step(host, remote, () => getPath(sftp, remote, localDir, get));
  });

/** {@link Node.writeFile} over SFTP. @internal */
export const sshWriteFile = (
  host: TransferHost,
  remotePath: string,
  data: string | Buffer,
  mode: number,
): Observable<never> =>
  sftpTask(host, (sftp, temps) => step(host, remotePath, () => putData(sftp, remotePath, data, mode, temps)));
