import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Observable } from 'rxjs';

import { ConfigError } from '../../errors/config-error.js';
import { JobsError } from '../../errors/jobs-error.js';
import { badOption, checkOption, checkOptionKeys, is, optionKeys } from '../../errors/option-keys.js';
import type { ChunkEvent, CommandEvent, LineEvent } from '../command-event.js';
import type { NodeRef } from '../command-event.js';
import { exitEvent, nodeRef } from '../command-event.js';
import { copyFileTo, copyInto, ensurePrivateDir, pullsToFile, writeFileAtomic } from '../local-files.js';
import type { ExecOptions, Node, TransferOptions } from '../node.js';
import { checkExecOptions, checkTransferOptions, refusedOptions } from '../node-options.js';
import type { OutputSink } from '../output-sink.js';
import { outputSink } from '../output-sink.js';
import { feedStdin } from '../stdin-feed.js';
import { TransferError } from '../../errors/transfer-error.js';

/** Options of {@link LocalNode}. @category models */
export interface LocalNodeOptions {
  /** Name shown in prefixes and errors. Default `'localhost'`. */
  readonly label?: string | undefined;
  /** The shell that runs each command as `shell -c command`. Default `'/bin/sh'`. */
  readonly shell?: string | undefined;
  /**
   * Where scripts go. Default `<os.tmpdir()>/rxjobs-<uid>`: per user, created on first use with mode 700, and
   * refused (a `ConfigError`) when it is a link, owned by another user, or writable by group or others.
   */
  readonly scriptDir?: string | undefined;
  /** Milliseconds between SIGTERM and SIGKILL when a command is cancelled. Default 500 (see `SshNodeOptions.killGrace`). */
  readonly killGrace?: number | undefined;
}

const LOCAL_NODE_KEYS = optionKeys(['label', 'shell', 'scriptDir', 'killGrace']);

/** How often a cancelled command's process group is checked for survivors (ms). */
const KILL_POLL = 20;
/** How long, after SIGKILL, to wait for the group to vanish (ms). */
const KILL_WAIT = 500;

/** Sends `signal` (0: none, just check) to process group `pgid`; false when the group does not exist. */
const signalGroup = (pgid: number, signal: NodeJS.Signals | 0): boolean => {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e: unknown) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH'; // EPERM: it exists, but is not ours to signal
  }
};

/**
 * Whether group `pgid` has a member that is not a zombie. Orphans' zombies stay in their group until init
 * reaps them, and a container's init may never do so: on Linux, `/proc` tells them apart.
 */
const groupAlive = async (pgid: number): Promise<boolean> => {
  if (!signalGroup(pgid, 0)) return false;
  const pids = await readdir('/proc').catch(() => undefined);
  if (pids === undefined) return true;
  const states = await Promise.all(
    pids
      .filter((pid) => /^\d+$/.test(pid))
      .map(async (pid) => {
        const stat = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => '');
        // `pid (comm) state ppid pgrp ...`: comm may hold spaces and parentheses
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return pgrp === String(pgid) && state !== 'Z' && state !== 'X';
      }),
  );
  return states.includes(true);
};

/** Waits up to `within` ms for group `pgid` to have no live member; true when it has none. */
const groupVanishes = async (pgid: number, within: number): Promise<boolean> => {
  const deadline = performance.now() + within;
  while (await groupAlive(pgid)) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await sleep(Math.min(KILL_POLL, left));
  }
  return true;
};

/** SIGTERM to the group, then SIGKILL after `grace` ms if a member survives. Never rejects. */
const killGroup = async (pgid: number, grace: number): Promise<void> => {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  if (await groupVanishes(pgid, grace)) return;
  signalGroup(pgid, 'SIGKILL');
  await groupVanishes(pgid, KILL_WAIT);
};

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
    return new Observable<CommandEvent>((subscriber) => {
      if (options.pty === true) {
        subscriber.error(
          new ConfigError(this.#subject, 'pty', 'is not available: LocalNode runs commands without a pty'),
        );
        return undefined;
      }
      const emit = (event: LineEvent | ChunkEvent) => {
        subscriber.next(event);
      };
      let sink: OutputSink; // line events, or chunk events
      try {
        sink = outputSink(options.output, this, emit, this.#subject, options.maxLineBytes);
      } catch (e: unknown) {
        subscriber.error(e);
        return undefined;
      }
      const { env, stdin } = options;
      // stdout and stderr are pipes, whatever overload the union of stdin modes picks
      const child = spawn(this.#shell, ['-c', command], {
        detached: true, // its own process group, killed as a whole
        env: env === undefined ? process.env : { ...process.env, ...env },
        stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
      let running = true;
      let stopStdin = (): void => undefined; // stops reading a stdin stream
      const outputs = [
        [child.stdout, 'stdout'],
        [child.stderr, 'stderr'],
      ] as const;
      for (const [stream, name] of outputs) {
        stream.on('data', (chunk: Buffer) => {
          sink.push(name, chunk);
        });
        stream.on('end', () => {
          sink.end(name);
        });
        stream.on('error', () => undefined); // the child's 'close' follows
      }
      // a held flow stops reading the pipes: the child blocks on its writes once they are full
      const detach = options.flow?.attach({
        pause: () => {
          for (const [stream] of outputs) stream.pause();
        },
        resume: () => {
          for (const [stream] of outputs) stream.resume();
        },
      });
      child.on('error', (e) => {
        // a failed spawn (no pid, nothing to kill); the teardown kills the group in any other case
        subscriber.error(this.#spawnError(command, e));
      });
      child.on('close', (code, signal) => {
        running = false;
        stopStdin();
        detach?.();
        for (const [, name] of outputs) sink.end(name); // no-op when 'end' came
        subscriber.next(exitEvent(this, code, signal, command));
        subscriber.complete();
      });
      if (child.stdin !== null) {
        child.stdin.on('error', () => undefined); // EPIPE: the command did not read it all
        stopStdin = feedStdin(child.stdin, '', stdin, (e) => {
          subscriber.error(e); // the teardown kills the command
        });
      }
      return () => {
        stopStdin();
        detach?.();
        if (running && child.pid !== undefined) void this.#track(killGroup(child.pid, this.#killGrace));
        for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
      };
    });
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

  /** Writes `data` to `path` atomically (temporary file, then rename), with exactly `mode`. @category running */
  /** The label (`localhost` by default). */
  /** Its {@link nodeRef} (`{ label, hostname, username, port }`): what `JSON.stringify` shows of it. */
  toJSON(): NodeRef {
    return nodeRef(this);
  }

  toString(): string {
    return this.label;
  }

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

  #spawnError(command: string, e: Error): JobsError {
    const problem = `cannot run ${JSON.stringify(command)}: ${e.message}`;
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'EACCES'
      ? new ConfigError(this.#subject, 'shell', `(${this.#shell}) ${problem}`, { cause: e })
      : new JobsError(`${this.label}: ${problem}`, { cause: e });
  }
}
