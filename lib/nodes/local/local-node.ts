import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Observable } from 'rxjs';

import { ConfigError } from '../../errors/config-error.js';
import { badOption, checkOption, checkOptionKeys, is } from '../../errors/option-keys.js';
import { TransferError } from '../../errors/transfer-error.js';
import type { CommandEvent, NodeRef } from '../command-event.js';
import { nodeRef } from '../command-event.js';
import { copyFileTo, copyInto, ensurePrivateDir, pullsToFile, writeFileAtomic } from '../local-files.js';
import type { ExecOptions, Node, TransferOptions } from '../node.js';
import { checkExecOptions, checkTransferOptions, refusedOptions } from '../node-options.js';
import type { LocalExecHost } from './local-exec.js';
import { localExec } from './local-exec.js';
import type { LocalNodeOptions } from './local-node-options.js';
import { LOCAL_NODE_KEYS } from './local-node-options.js';

/** Whether `dir` is `parent` or inside it. */
const isWithin = (dir: string, parent: string): boolean => {
  const rel = relative(parent, dir);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
};

/** The current user's name and uid (the passwd entry may be missing in a container). */
const currentUser = (): { readonly username: string; readonly uid: number } => {
  const uid = process.getuid?.() ?? -1;
  try {
    return { username: userInfo().username, uid };
  } catch {
    return { username: process.env['USER'] ?? String(uid), uid };
  }
};

/**
 * The {@link Node} interface on this machine, over `child_process`: the embedded default for demos and for
 * testing scenarios without SSH.
 *
 * - `exec` runs `shell -c command` as the leader of a new process group; unsubscribing before the exit
 *   sends SIGTERM to the whole group, then SIGKILL after `killGrace` ms if a member survives, so background
 *   children die too. A pending kill keeps the event loop alive for at most `killGrace` + 0.5 s, so that no
 *   orphan is left behind when the program ends; {@link LocalNode.close} waits for it.
 * - `push` and `pull` are both local copies (files and directories, recursively), each file written under a
 *   temporary name in its target directory and then renamed.
 * - The default `scriptDir` is `<os.tmpdir()>/rxjobs-<uid>`: per user, so that users do not collide, and
 *   checked (mode 700, owned by this user, not a link) whenever a file is written into it, since `/tmp` is
 *   shared and anyone could have created that name first.
 * @example
 * const node = new LocalNode();
 * const { code } = await lastValueFrom(node.exec('make test').pipe(exitStatus()));
 * await node.close();
 * @category constructors
 */
export class LocalNode implements Node {
  readonly label: string;
  readonly hostname = 'localhost';
  readonly username: string;
  readonly scriptDir: string;
  readonly #shell: string;
  readonly #killGrace: number;
  readonly #uid: number;
  /** Kills of cancelled commands and clean-ups of cancelled transfers, still running. */
  readonly #pending = new Set<Promise<void>>();
  readonly #discards = new Set<Promise<void>>(); // those of #pending that are discards
  readonly #host: LocalExecHost;

  /** @throws {ConfigError} when `killGrace` is negative or not a number, or `shell` is empty. */
  constructor(options: LocalNodeOptions = {}) {
    const label: unknown = (options as { label?: unknown } | null)?.label;
    const given = (): string => `LocalNode "${typeof label === 'string' ? label : 'localhost'}"`;
    checkOptionKeys(given, 'LocalNode', options, LOCAL_NODE_KEYS);
    for (const key of ['label', 'shell', 'scriptDir'] as const)
      checkOption(given, options, key, 'a string', is.string);
    this.label = options.label ?? 'localhost';
    const { username, uid } = currentUser();
    this.username = username;
    this.#uid = uid;
    this.#shell = options.shell ?? '/bin/sh';
    this.#killGrace = options.killGrace ?? 500;
    this.scriptDir = resolve(options.scriptDir ?? join(tmpdir(), `rxjobs-${String(uid)}`));
    if (this.#shell === '') throw new ConfigError(this.#subject, 'shell', 'is empty');
    if (!(typeof this.#killGrace === 'number' && this.#killGrace >= 0 && this.#killGrace <= 2 ** 31 - 1))
      throw badOption(this.#subject, 'killGrace', 'a number of ms ≥ 0', options.killGrace);
    this.#host = {
      node: this,
      subject: this.#subject,
      shell: this.#shell,
      killGrace: this.#killGrace,
      track: (pending) => this.#track(pending),
    };
  }

  get #subject(): string {
    return `LocalNode "${this.label}"`;
  }

  /**
   * Runs `shell -c command` (see {@link LocalNode}): a line event per line of stdout and stderr (with
   * `output: 'chunks'`, a chunk event per pipe read, up to 64 KiB), in arrival order, then one exit event
   * once both streams have ended and the process has exited, then complete. `env` is merged over
   * `process.env`; without `stdin`, stdin is `/dev/null`; a stdin stream is read as the command reads it. `pty: true`, or an `output` other than `'lines'`
   * and `'chunks'`, is refused with a `ConfigError`; a shell that cannot be started is an error naming the
   * command.
   * @example
   * node.exec('ls -l', { env: { LC_ALL: 'C' } }).pipe(stdout()).subscribe((line) => console.log(line));
   * @category running
   */
  exec(command: string, options: ExecOptions = {}): Observable<CommandEvent> {
    const refused = refusedOptions(() => {
      checkExecOptions(this, options, command);
    });
    if (refused !== undefined) return refused;
    return localExec(this.#host, command, options);
  }

  /**
   * Copies local files and directories (recursively) into `remoteDir`, a local directory too, created when
   * missing; see {@link Node.push}. A missing source is a `TransferError` before anything is written.
   * @category running
   */
  push(localPaths: readonly string[], remoteDir: string, options: TransferOptions = {}): Observable<never> {
    const refused = refusedOptions(() => {
      checkTransferOptions(this, 'push', options);
    });
    if (refused !== undefined) return refused;
    return this.#copy(localPaths, remoteDir, options);
  }

  /**
   * The same copy as {@link LocalNode.push}, for symmetry with SSH nodes, but with `scp`'s rule for one file
   * (see {@link Node.pull}): one source that is a file, to a `localPath` that is not an existing directory
   * and does not end with `/`, is copied to the file `localPath`.
   * @category running
   */
  pull(remotePaths: readonly string[], localPath: string, options: TransferOptions = {}): Observable<never> {
    const refused = refusedOptions(() => {
      checkTransferOptions(this, 'pull', options);
    });
    if (refused !== undefined) return refused;
    const [single] = remotePaths;
    if (remotePaths.length !== 1 || single === undefined) return this.#copy(remotePaths, localPath, options);
    return this.#abortable(async (signal) => {
      const isFile = await stat(resolve(single)).then(
        (st) => !st.isDirectory(),
        () => false,
      );
      if (!isFile || !(await pullsToFile(localPath))) {
        await this.#checkScriptDir(resolve(localPath));
        await copyInto(remotePaths, localPath, {
          preserve: options.preserve ?? true,
          signal,
          host: this.hostname,
        });
        return;
      }
      await this.#checkScriptDir(dirname(resolve(localPath)));
      await copyFileTo(single, localPath, {
        preserve: options.preserve ?? true,
        signal,
        host: this.hostname,
      });
    });
  }

  /** Its {@link nodeRef} (`{ label, hostname, username, port }`): what `JSON.stringify` shows of it. */
  toJSON(): NodeRef {
    return nodeRef(this);
  }

  /** The label (`localhost` by default). */
  toString(): string {
    return this.label;
  }

  /** Writes `data` to `path` atomically (temporary file, then rename), with exactly `mode`. @category running */
  writeFile(path: string, data: string | Buffer, mode = 0o644): Observable<never> {
    return this.#abortable(async (signal) => {
      const target = resolve(path);
      await this.#checkScriptDir(dirname(target));
      // missing parents are created private, as SshNode does
      await mkdir(dirname(target), { recursive: true, mode: 0o700 }).catch((e: unknown) => {
        throw new TransferError(
          this.hostname,
          dirname(target),
          `cannot create the directory: ${(e as Error).message}`,
          {
            cause: e,
          },
        );
      });
      await writeFileAtomic(target, data, mode, { signal, host: this.hostname });
    });
  }

  /** @internal */
  discard(path: string): void {
    // after an aborted copy (it may still be writing there) or a kill; not after other discards
    const earlier = Promise.allSettled([...this.#pending].filter((p) => !this.#discards.has(p)));
    const discarding = this.#track(earlier.then(() => rm(resolve(path), { recursive: true, force: true })));
    this.#discards.add(discarding);
    void discarding.finally(() => this.#discards.delete(discarding));
  }

  /**
   * A LocalNode has no connection to keep: the function returned waits for the kills and clean-ups pending
   * then, as {@link LocalNode.close} does.
   * @internal
   */
  hold(): () => Promise<void> {
    return () => this.close();
  }

  /**
   * Waits for the kills of cancelled commands and the clean-ups of cancelled transfers. Never rejects. Unlike
   * `SshNode.close()`, it does not stop the commands in progress: they are children of this process, killed
   * by unsubscribing.
   */
  async close(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #copy(sources: readonly string[], dir: string, options: TransferOptions): Observable<never> {
    return this.#abortable(async (signal) => {
      await this.#checkScriptDir(resolve(dir));
      await copyInto(sources, dir, { preserve: options.preserve ?? true, signal, host: this.hostname });
    });
  }

  /** Creates and checks {@link LocalNode.scriptDir} when `dir` is in it. */
  async #checkScriptDir(dir: string): Promise<void> {
    if (isWithin(dir, this.scriptDir)) await ensurePrivateDir(this.scriptDir, this.#uid, this.#subject);
  }

  /** A cold Observable of `work`; unsubscribing aborts it, and {@link LocalNode.close} waits for its clean-up. */
  #abortable(work: (signal: AbortSignal) => Promise<void>): Observable<never> {
    return new Observable<never>((subscriber) => {
      const controller = new AbortController();
      let settled = false;
      const done = work(controller.signal).then(
        () => {
          settled = true;
          subscriber.complete();
        },
        (e: unknown) => {
          settled = true;
          subscriber.error(e);
        },
      );
      return () => {
        if (settled) return;
        controller.abort();
        void this.#track(done);
      };
    });
  }

  #track(pending: Promise<unknown>): Promise<void> {
    const tracked = pending.then(
      () => undefined,
      () => undefined,
    );
    this.#pending.add(tracked);
    void tracked.finally(() => this.#pending.delete(tracked));
    return tracked;
  }
}
