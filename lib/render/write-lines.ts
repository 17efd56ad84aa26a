/**
 * Command output written to a terminal, one host-prefixed line at a time, as text/host-lines.ts formats it.
 * @module
 */
import type { Writable } from 'node:stream';

import { Observable } from 'rxjs';

import { ChunkLines } from '../nodes/chunk-lines.js';
import type { LineEvent } from '../nodes/command-event.js';
import { bytesOf } from '../nodes/command-event.js';
import type { Flow } from '../nodes/flow.js';
import { BatchedWriter } from './batched-writer.js';
import type { PassThroughOperator, RenderableEvent } from './text/command-events.js';
import { commandEventOf } from './text/command-events.js';
import type { LineFormatOptions } from './text/host-lines.js';
import { linePartsOf, linePrefixesOf } from './text/host-lines.js';
import { OpenLines } from './text/open-lines.js';

/**
 * Options of {@link writeLines}: where the lines go, and how they look.
 * @category models
 */
export interface WriteLinesOptions extends LineFormatOptions {
  /** Where stdout lines go (default `process.stdout`). */
  readonly stdout?: Writable | undefined;
  /** Where stderr lines go (default `process.stderr`). */
  readonly stderr?: Writable | undefined;
  /**
   * The longest line written whole when chunk events are cut into lines here, in bytes (default 1 MiB): a
   * longer line is written in pieces as it comes, not held (see `ExecOptions.maxLineBytes`).
   */
  readonly maxLineBytes?: number | undefined;
  /**
   * Back-pressure: held while `stdout` or `stderr` has a full buffer (its `write()` returned false), until
   * its `'drain'`. Give the same {@link Flow} to the commands (`flow` of `SshJob` or `exec`) so that they
   * stop reading their output meanwhile; without it, the streams buffer whatever comes.
   */
  readonly flow?: Flow | undefined;
}

/** Calls `done` once none of `streams` waits for a `drain` (or has closed); returns what stops waiting. */
function whenDrained(streams: readonly Writable[], done: () => void): () => void {
  const waiting = new Set(streams.filter((s) => s.writableNeedDrain && !s.destroyed));
  const listeners = new Map<Writable, () => void>();
  const stop = (): void => {
    for (const [stream, listener] of listeners) {
      stream.off('drain', listener);
      stream.off('close', listener);
    }
    listeners.clear();
  };
  if (waiting.size === 0) {
    done();
    return stop;
  }
  for (const stream of waiting) {
    const listener = (): void => {
      waiting.delete(stream);
      if (waiting.size === 0) {
        stop();
        done();
      }
    };
    listeners.set(stream, listener);
    stream.on('drain', listener);
    stream.on('close', listener);
  }
  return stop;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Writes the lines of a command stream, or of the command events on a scheduler stream, to a terminal: stdout
 * lines to `stdout` and stderr lines to `stderr`, formatted as {@link formatLine} does (host prefixes by
 * default). Every event is passed on unchanged, so that the caller still sees the scheduler's `end` event.
 *
 * Each line is written whole by ONE `write()` call, so lines of hosts streaming at once never mix mid-line.
 * Chunk events (commands run with `output: 'chunks'`) are cut back into lines per job, node and stream first,
 * so the same holds for them: in `host` format each line gets its prefix (without time stamps, all the lines
 * of a chunk at once, with no work per line, unless a line over `maxLineBytes` is in pieces); in `raw` format
 * the bytes of a chunk's whole lines are written as they are (no per-line work), its partial last line waiting
 * for the next chunk of that source (or its exit, or the end of the stream) to complete it.
 * Lines that arrive in the same tick for the same stream (say, the lines of one network chunk) are gathered
 * into one `write()`, up to 64 KiB (a longer line, or a chunk's lines, are never cut), and written at the end
 * of the tick; the writes keep the order of the lines across the two streams. Nothing more is kept here:
 * when a stream's `write()` returns false the stream buffers, unless `flow` is given (see
 * {@link WriteLinesOptions.flow}). A line longer than `maxLineBytes` (or given in pieces, see `LineEvent.continues`) is written as it comes,
 * its pieces behind one prefix; a line of another host between two pieces ends it with `\n`, and its next
 * piece starts a new prefixed line, so hosts never mix within a line. The result completes once the
 * source has and neither stream waits for a `drain`; what is pending is written when the source errors or the
 * subscriber leaves. An `error` event of either stream (such as EPIPE) errors the result, with an `Error`
 * naming the stream (`cannot write to stdout: …`) and keeping the cause; the streams are never ended.
 * @example
 * const end = await lastValueFrom(scheduler.run().pipe(writeLines({ width: labelWidth(nodes) })));
 * @category running
 */
export const writeLines =
  (options: WriteLinesOptions = {}): PassThroughOperator =>
  <T extends RenderableEvent>(source: Observable<T>): Observable<T> =>
    new Observable<T>((subscriber) => {
      const out = options.stdout ?? process.stdout;
      const err = options.stderr ?? process.stderr;
      // lines given are written as their text says (see lineBytesOf); lines cut from chunks here, as their bytes
      const partsOf = linePartsOf(options);
      const cutPartsOf = linePartsOf(options, bytesOf);
      const raw = options.format === 'raw';
      // host lines without time stamps: the lines of a chunk are prefixed at once (see addPrefixed)
      const prefixes = raw || (options.time ?? false) !== false ? undefined : linePrefixesOf(options);
      const writer = new BatchedWriter(undefined, options.flow);
      const pieces = new OpenLines(); // where long lines come in pieces
      const onOutError = (e: unknown): void => {
        subscriber.error(new Error(`cannot write to stdout: ${message(e)}`, { cause: e }));
      };
      const onErrError = (e: unknown): void => {
        subscriber.error(new Error(`cannot write to stderr: ${message(e)}`, { cause: e }));
      };
      out.on('error', onOutError);
      err.on('error', onErrError);
      let from: object | undefined; // the job of the event being written (its lines are one source)
      const write = (line: LineEvent): void => {
        const target = line.stream === 'stdout' ? out : err;
        writer.add(target, raw ? partsOf(line) : pieces.parts(target, line, partsOf(line), from));
      };
      const writeCut = (line: LineEvent): void => {
        const target = line.stream === 'stdout' ? out : err;
        writer.add(target, pieces.parts(target, line, cutPartsOf(line), from));
      };
      let chunks: ChunkLines | undefined; // made on the first chunk event: line events never need it
      /** Writes the lines still cut by chunks: the stream is over. */
      const endChunks = (): void => {
        if (raw) chunks?.endAll(writeRaw);
        else chunks?.endAll(writeCut);
        chunks = undefined;
      };
      const writeRaw = (line: LineEvent): void => {
        writer.add(line.stream === 'stdout' ? out : err, [bytesOf(line)]);
      };
      let stopWaiting = (): void => undefined;
      const subscription = source.subscribe({
        next: (event) => {
          const command = commandEventOf(event);
          if (command !== undefined) {
            const owner = event.type === 'value' ? event.job : undefined;
            from = owner;
            if (command.type === 'line') write(command);
            else {
              // chunks: cut into lines per job, node and stream, so that hosts never mix mid-line
              if (command.type === 'chunk') {
                chunks ??= new ChunkLines(options.maxLineBytes);
                // host lines, no long line open or coming: the chunk's lines at once, behind their prefix
                const lines =
                  prefixes === undefined || !pieces.idle ? undefined : chunks.cutLines(owner, command);
                if (prefixes !== undefined && lines !== undefined) {
                  const target = command.stream === 'stdout' ? out : err;
                  if (lines.length > 0) writer.addPrefixed(target, prefixes(command.node.label), lines);
                } else if (!raw) chunks.push(owner, command, writeCut);
                else {
                  const parts = chunks.cut(owner, command);
                  if (parts.length > 0) writer.add(command.stream === 'stdout' ? out : err, parts);
                }
              } else chunks?.end(owner, command.node, raw ? writeRaw : writeCut);
            }
          }
          subscriber.next(event);
        },
        error: (e: unknown) => {
          endChunks();
          writer.flush();
          subscriber.error(e);
        },
        complete: () => {
          endChunks();
          writer.flush();
          stopWaiting = whenDrained(out === err ? [out] : [out, err], () => {
            subscriber.complete();
          });
        },
      });
      return () => {
        subscription.unsubscribe();
        endChunks();
        writer.flush();
        stopWaiting();
        out.off('error', onOutError);
        err.off('error', onErrError);
      };
    });
