/**
 * Command output in files, one per host and output stream (apssh's SubdirFormatter, fixed).
 * @module
 */
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';

import { catchError, defer, from, Observable, switchMap, throwError } from 'rxjs';

import type { NodeRef } from '../../nodes/command-event.js';
import type { Flow } from '../../nodes/flow.js';
import { makeDirectory } from './make-directory.js';
import { bytesOf, endsLine, lineBytesOf } from '../../nodes/command-event.js';
import type { PassThroughOperator, RenderableEvent } from '../text/command-events.js';
import { BatchedWriter } from '../batched-writer.js';
import { commandEventOf } from '../text/command-events.js';

const NL = Buffer.from('\n');

/** The suffix of the file that gets a host's stderr: `<dir>/<name>.err`. @category models */
export const STDERR_SUFFIX = '.err';

const hex = (c: string): string => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * The file name that stands for a node label in {@link writeHostFiles}: the label itself, unless it holds
 * characters that a file name cannot, which are percent-encoded (as in URLs): `%` as `%25`, `/` as `%2F`,
 * `\` as `%5C`, NUL as `%00`; a leading `.` as `%2E` (so `.`, `..` and hidden names cannot occur), and the
 * `.` of a final `.err` as `%2E` (so a host's stdout file is never another host's stderr file). The empty
 * label gives `%`. Distinct labels always give distinct names.
 * @example
 * hostFileName('fit01'); // 'fit01'
 * hostFileName('../etc/passwd'); // '%2E.%2Fetc%2Fpasswd'
 * @category models
 */
export const hostFileName = (label: string): string => {
  if (label === '') return '%';
  let name = label.replace(/[%/\\\0]/g, hex);
  if (name.startsWith('.')) name = `%2E${name.slice(1)}`;
  if (name.endsWith(STDERR_SUFFIX))
    name = `${name.slice(0, -STDERR_SUFFIX.length)}%2E${STDERR_SUFFIX.slice(1)}`;
  return name;
};

/**
 * Options of {@link writeHostFiles}.
 * @category models
 */
export interface HostFilesOptions {
  /**
   * Nodes whose files are created (truncated) as soon as the directory exists, before any event: so that a
   * host with no output, or that never answered, still has (empty) files and no stale ones from a previous
   * run. Other hosts get theirs on their first event.
   */
  readonly nodes?: Iterable<NodeRef> | undefined;
  /**
   * Back-pressure: while a file's buffer is full (the disk is slower than the host), until its `'drain'`,
   * the flow is held for that file's host only (its view {@link Flow.forLabel}, the node's label). Give the
   * same {@link Flow} to the commands (`flow` of `SshJob` or `exec`) so that that host's commands stop
   * reading their output meanwhile while the other hosts' go on; without it, the files buffer whatever
   * comes.
   */
  readonly flow?: Flow | undefined;
}

/**
 * The bytes that all the files of one {@link writeHostFiles} may hold in their buffers before they say "full"
 * (each file's share is this divided among the files, within {@link FILE_BUFFER_MIN}..{@link FILE_BUFFER_MAX}).
 * @internal
 */
export const FILES_BUFFER_BYTES = 32 * 1024 * 1024;
/** The least buffer of one file: above two SSH chunks (ssh2 delivers up to 32 KiB at a time). @internal */
export const FILE_BUFFER_MIN = 64 * 1024;
/** The largest buffer of one file: beyond it a disk that keeps up gains nothing. @internal */
export const FILE_BUFFER_MAX = 1024 * 1024;

/** Each file's buffer (its highWaterMark) when `files` files share {@link FILES_BUFFER_BYTES}. @internal */
export const fileBufferBytes = (files: number): number =>
  Math.min(FILE_BUFFER_MAX, Math.max(FILE_BUFFER_MIN, Math.floor(FILES_BUFFER_BYTES / Math.max(1, files))));

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** An fs failure as an `Error` that names `path` and keeps the original as `cause`. */
const fileError = (path: string, e: unknown): Error =>
  new Error(`cannot write ${path}: ${message(e)}`, { cause: e });

/** One file: its stream, and the batch of lines not yet written to it. */
interface HostFile {
  readonly stream: WriteStream;
  readonly writer: BatchedWriter;
}

interface HostFiles {
  readonly stdout: HostFile;
  readonly stderr: HostFile;
  /** The flow's view for this host's label: a full file stops this host's commands only. */
  readonly flow: Flow | undefined;
}

/**
 * Writes each host's output to files in `dir`: its stdout to `<dir>/<name>` and its stderr to
 * `<dir>/<name>.err`, where `name` is {@link hostFileName} of the node's label (the label itself, unless it
 * holds `/`, starts with `.` and so on). Bytes are written exactly as they came, each line with its `\n`
 * if it had one (the pieces of a long line, see `LineEvent.continues`, one after the other, so the file gets
 * the line's exact bytes), each chunk event (`output: 'chunks'`, the fast path for big outputs) by one
 * `write()` of its bytes as they are. Accepts a command stream or a scheduler stream, and passes every event on unchanged.
 *
 * On subscription `dir` is created (recursively; an existing one is kept), and only then is the source
 * subscribed. Both files of a host are created, truncated, on its first command event (or at once for the
 * `nodes` given), so an empty `.err` file means "no stderr" and no stale file of an earlier run survives.
 * Each file is one write stream, which buffers when the disk is slower than the hosts; the lines a file gets
 * in one tick are gathered into one write (up to 64 KiB), and nothing else is kept in memory; with `flow`, a
 * full file holds the flow for its host's label only ({@link Flow.forLabel}): that host's commands stop
 * reading, the others go on (see {@link HostFilesOptions.flow}). A file is "full" at its share of 32 MiB
 * divided among the files (two per host, the `nodes` given counted from the start), at least 64 KiB and
 * at most 1 MiB: so with `flow` the files hold at most about max(32 MiB, files × 64 KiB), plus a chunk
 * (up to 32 KiB over SSH) per file on its way when the hold begins. Nodes with the
 * same label share their files, so two commands writing chunks to one host's files at once may interleave
 * mid-line there (lines never do). When the source
 * completes or errors, the files are ended, and the result completes (or errors with the source's error) only
 * once they are all finished and closed. A failure to create `dir` or to write a file errors the result with
 * an `Error` naming the path (`cannot write <path>: …`), its `cause` the fs error. Unsubscribing ends the
 * files (what was received so far is written).
 * @example
 * await lastValueFrom(scheduler.run().pipe(writeHostFiles('out', { nodes })));
 * // out/fit01, out/fit01.err, out/fit02, ...
 * @category running
 */
export const writeHostFiles =
  (dir: string, options: HostFilesOptions = {}): PassThroughOperator =>
  <T extends RenderableEvent>(source: Observable<T>): Observable<T> =>
    defer(() => from(makeDirectory(dir))).pipe(
      catchError((e: unknown) => throwError(() => fileError(dir, e))),
      switchMap(() => writeFiles(source, dir, options.nodes ?? [], options.flow)),
    );

/** The work of {@link writeHostFiles} once `dir` exists. */
const writeFiles = <T extends RenderableEvent>(
  source: Observable<T>,
  dir: string,
  nodes: Iterable<NodeRef>,
  flow: Flow | undefined,
): Observable<T> =>
  new Observable<T>((subscriber) => {
    const files = new Map<string, HostFiles>();
    // the files to share the buffer budget: two per host, the hosts known from the start counted at once
    const known = [...nodes]; // once: `nodes` may be an iterator
    let planned = 2 * new Set(known.map((n) => n.label)).size;
    const open = (path: string, view: Flow | undefined): HostFile => {
      const stream = createWriteStream(path, { highWaterMark: fileBufferBytes(planned) });
      // kept after teardown too: a late error then goes to a closed subscriber, not to the process
      stream.on('error', (e) => {
        subscriber.error(fileError(path, e));
      });
      return { stream, writer: new BatchedWriter(undefined, view) };
    };
    // by label (the label maps to one file name, and distinct labels to distinct names)
    const filesOf = (node: NodeRef): HostFiles => {
      let host = files.get(node.label);
      if (host === undefined) {
        const path = join(dir, hostFileName(node.label));
        const view = flow?.forLabel(node.label);
        planned = Math.max(planned, 2 * (files.size + 1));
        host = { stdout: open(path, view), stderr: open(path + STDERR_SUFFIX, view), flow: view };
        files.set(node.label, host);
      }
      return host;
    };
    const all = (): HostFile[] => [...files.values()].flatMap((h) => [h.stdout, h.stderr]);
    /** Writes what is pending and ends every file not ended yet; returns the streams. */
    const end = (): WriteStream[] =>
      all().map(({ stream, writer }) => {
        writer.flush();
        if (!stream.writableEnded) stream.end();
        return stream;
      });
    /** Ends every file, then calls `then` once all are finished (errors go to the `error` listeners). */
    const endAll = (then: () => void): void => {
      Promise.all(end().map((s) => finished(s))).then(then, () => undefined);
    };

    for (const node of known) filesOf(node);
    const subscription = source.subscribe({
      next: (event) => {
        const command = commandEventOf(event);
        if (command !== undefined) {
          const host = filesOf(command.node);
          if (command.type === 'line') {
            const { stream, writer } = command.stream === 'stdout' ? host.stdout : host.stderr;
            const bytes = lineBytesOf(command);
            writer.add(stream, endsLine(command) ? [bytes, NL] : [bytes]);
          } else if (command.type === 'chunk') {
            // the fast path: the chunk as it is, one write, no copy
            const { stream, writer } = command.stream === 'stdout' ? host.stdout : host.stderr;
            writer.flush();
            if (host.flow === undefined) stream.write(bytesOf(command));
            else host.flow.write(stream, bytesOf(command));
          }
        }
        subscriber.next(event);
      },
      error: (e: unknown) => {
        endAll(() => {
          subscriber.error(e);
        });
      },
      complete: () => {
        endAll(() => {
          subscriber.complete();
        });
      },
    });
    return () => {
      subscription.unsubscribe();
      end();
    };
  });
