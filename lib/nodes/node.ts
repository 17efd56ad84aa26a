import type { Observable } from 'rxjs';

import type { CommandEvent, NodeRef } from './command-event.js';
import type { Flow } from './flow.js';
import type { StdinStream } from './stdin-feed.js';

/**
 * How a command's output arrives: `'lines'`, a `LineEvent` per line (the default), or `'chunks'`, a
 * `ChunkEvent` per piece of output as it was received (much cheaper for big outputs).
 * @category models
 */
export type OutputMode = 'lines' | 'chunks';

/** Options of {@link Node.exec}. @category models */
export interface ExecOptions {
  /**
   * Environment variables for the command. Over SSH, the shell in front of the command reads them from the
   * session's stdin before the command's own stdin (sshd refuses most `env` requests), so that no value
   * ever shows in a process's command line (`ps`) on the host; on a LocalNode, they are merged over
   * `process.env`.
   */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /**
   * The command's stdin: bytes (a string is sent as UTF-8), then end of file; or a {@link StdinStream} (an
   * Observable, a Node.js `Readable`, an async iterable), whose end ends the command's stdin. Without it,
   * stdin is closed at once.
   */
  readonly stdin?: string | Buffer | StdinStream | undefined;
  /** Ask for a pseudo-terminal (stdout and stderr then arrive merged, as stdout). */
  readonly pty?: boolean | undefined;
  /**
   * `'lines'` (default): a line event per output line. `'chunks'`: a chunk event per piece of output as it
   * arrives (for SSH, about 32 KiB each), not cut into lines: the fast path for big outputs written to files
   * (`writeHostFiles`), to a pipe, or parsed as a whole. `lines()`, `stdout()`, `throwOnFailure()` and the
   * renderers accept both; `writeLines` cuts chunks into lines per host, so hosts never mix mid-line.
   */
  readonly output?: OutputMode | undefined;
  /**
   * The longest line delivered as one line event, in bytes (default 1 MiB, `DEFAULT_MAX_LINE_BYTES`; at
   * least 1). A longer line comes in pieces of at most this many bytes, each a line event with
   * `continues: true` and `newline: false` but the last (see `LineEvent.continues`), so that a line of any
   * length costs about this much memory, not its length. No effect with `output: 'chunks'`.
   */
  readonly maxLineBytes?: number | undefined;
  /**
   * Back-pressure: while this {@link Flow} is held (by a consumer whose sink is full), the command's output
   * is not read, so the remote command (or the local child) blocks on its writes instead of this process
   * buffering its output. Default: none, the output is read as fast as it comes.
   */
  readonly flow?: Flow | undefined;
}

/** Options of {@link Node.push} and {@link Node.pull}. @category models */
export interface TransferOptions {
  /**
   * Keep modification times and modes (as `scp -p`). Default true. A pulled file never keeps a setuid,
   * setgid or sticky bit; with `preserve: false` its mode is also subject to the local umask (as `sftp get`).
   */
  readonly preserve?: boolean | undefined;
  /**
   * Called for each entry whose name is not valid UTF-8 (a remote one for pull, a local one for push), before
   * it is copied under its escaped name: each byte that is not part of a UTF-8 character becomes `%XX` (its
   * value in upper-case hex) and each `%` of such a name `%25`, so `caf\xe9.txt` is copied as `caf%E9.txt`
   * and the bytes can be told back. `remote` and `local` are the two paths, escaped the same way. The `Push`
   * and `Pull` commands report each as a stderr line event. An SshNode only: a LocalNode copies such a
   * name as it is (both sides are local file systems, as for `cp -r`).
   */
  readonly onRenamed?: ((remote: string, local: string) => void) | undefined;
}

/**
 * Where commands run: an {@link SshNode} (a remote host over one shared SSH connection) or a
 * {@link LocalNode} (this machine). Every method is cold: nothing happens until subscribed, and
 * unsubscribing cancels (a running command is killed, with its process group; a transfer is aborted and
 * leaves no partial file).
 * @category models
 */
export interface Node extends NodeRef {
  /**
   * Runs `command` through the user's shell. Emits a line event per output line (a chunk event per piece of
   * output with `output: 'chunks'`), then one exit event, then completes. A non-zero exit is data; a
   * transport failure (refused, auth, connection lost) is an error.
   * @example
   * node.exec('uname -a').pipe(stdout()).subscribe(console.log);
   */
  exec(command: string, options?: ExecOptions): Observable<CommandEvent>;

  /**
   * Copies local files and directories (recursively) into `remoteDir`, which is created when missing. Each
   * file appears complete or not at all (written under a temporary name, then renamed). Completes when done.
   */
  push(localPaths: readonly string[], remoteDir: string, options?: TransferOptions): Observable<never>;

  /**
   * Copies remote files and directories (recursively) to `localPath`, with `scp`'s rule: ONE remote file, to
   * a `localPath` that is not an existing directory and does not end with `/`, is written as the file
   * `localPath` (replaced if it exists; its directory created when missing); otherwise (several paths, a
   * remote directory, an existing directory, a trailing `/`) they go into the directory `localPath`, created
   * when missing. A remote path whose last component is `..` (`dir/..`) is copied into `localPath` itself,
   * as scp and sftp `get` do (as `.` is). Nothing is written outside `localPath` (or, for a file, its
   * directory); each local file appears complete or not at all. Completes when done. Over SSH, the server is
   * not trusted: a listing with a name that is empty, `.`, `..`, or holds `/` or NUL, a local path that
   * leads out through a symbolic link or is one, a symbolic link loop or more than 64 levels of directories
   * fail the pull with a `TransferError` naming the host and the entry (files already pulled stay). A remote
   * name that is not UTF-8 is pulled under its escaped name (see `onRenamed` in {@link TransferOptions}); one
   * that would be the name of another entry of its directory fails the pull likewise.
   */
  pull(remotePaths: readonly string[], localPath: string, options?: TransferOptions): Observable<never>;

  /**
   * Writes `data` to `remotePath` (complete or not at all) with the given mode; missing parent directories
   * are created, private (mode 700). Completes when done.
   */
  writeFile(remotePath: string, data: string | Buffer, mode?: number): Observable<never>;

  /**
   * The private directory (mode 700) where `RunScript`/`RunString` put their scripts: relative to the home
   * directory on a remote host.
   */
  readonly scriptDir: string;

  /**
   * Removes `path` (recursively) in the background, once the kills and the clean-ups of cancelled transfers
   * already pending are done: what a cancelled script left. `close()` waits for it rather than stopping it.
   * An SshNode uses its connection only if it is open, never opens one (with none open, nothing can have been
   * written since) and bounds the removal at 10 s; failures are ignored.
   * @internal
   */
  discard(path: string): void;

  /**
   * Keeps the node's connection, once open, until the returned function is called; that function waits for
   * the kills and clean-ups pending on the node, then closes the connection at once if nothing else uses it
   * (a command, a transfer, another hold, a node behind it). What an SshJob holds from the start of its work
   * to its run's shutdown. A LocalNode has no connection: its release only waits.
   * @internal
   */
  hold(): () => Promise<void>;

  /**
   * Ends the node's use now: stops the commands and transfers in progress on it, waits for pending kills of
   * cancelled commands, then closes the connection (and, for a gateway, once no node behind it uses it any
   * more). Without it, an SSH connection closes by itself a short linger after its last use. Safe to call
   * twice; a later command opens a new connection.
   */
  close(): Promise<void>;

  /** `user@host:port` with its gateways (`gw -> user@host`), or `localhost`: how errors and listings name it. */
  toString(): string;
}
