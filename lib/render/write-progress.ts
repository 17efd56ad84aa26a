/**
 * A scheduler's run told on a terminal as it goes: what `orchestrate({ verbose: true })` prints.
 * @module
 */
import type { Writable } from 'node:stream';

import { Observable } from 'rxjs';
import type { MonoTypeOperatorFunction } from 'rxjs';

import type { JobOutcome, SchedulerEndEvent, SchedulerEvent } from '../core/events.js';
import type { Job } from '../core/job.js';
import { ChunkLines } from '../nodes/chunk-lines.js';
import type { LineEvent } from '../nodes/command-event.js';
import { BatchedWriter } from './batched-writer.js';
import { commandEventOf } from './text/command-events.js';
import { linePartsOf } from './text/host-lines.js';
import { OpenLines } from './text/open-lines.js';
import type { LineFormatOptions } from './text/host-lines.js';
import { progressText, summaryText } from './text/progress-text.js';

/**
 * Options of {@link writeProgress}: where it writes, and how output lines look (as {@link formatLine}).
 * @category models
 */
export interface WriteProgressOptions extends LineFormatOptions {
  /** Where progress lines, stdout lines and the final summary go (default `process.stdout`). */
  readonly stdout?: Writable | undefined;
  /** Where stderr lines go (default `process.stderr`). */
  readonly stderr?: Writable | undefined;
}

/**
 * Tells a scheduler's run on a terminal, as asynciojobs' `orchestrate(verbose=True)` does: a line when each
 * job starts and ends (`-- label: started`, `-- label: done`, `-- label: FAILED (critical): <message>`,
 * cancelled, skipped), the output lines of its commands as {@link writeLines} writes them (`host:line`, stderr
 * lines to `stderr`), and at the end the outcome with `why()` and, in words, each job that did not succeed.
 * Every event is passed on unchanged. Lines are written whole, in the order of the events. What
 * `orchestrate({ verbose: true })` uses; give it `verbose: writeProgress({ stdout: stream })` to write
 * elsewhere.
 * @example
 * const ok = await scheduler.orchestrate({ verbose: writeProgress({ time: true }) });
 * @category running
 */
export const writeProgress =
  (options: WriteProgressOptions = {}): MonoTypeOperatorFunction<SchedulerEvent> =>
  (source) =>
    new Observable<SchedulerEvent>((subscriber) => {
      const out = options.stdout ?? process.stdout;
      const err = options.stderr ?? process.stderr;
      const partsOf = linePartsOf(options);
      const pieces = new OpenLines(); // long lines, in pieces
      const raw = options.format === 'raw';
      const writer = new BatchedWriter();
      let from: object | undefined; // the job of the event being written (its lines are one source)
      const writeLine = (line: LineEvent): void => {
        const target = line.stream === 'stdout' ? out : err;
        writer.add(target, raw ? partsOf(line) : pieces.parts(target, line, partsOf(line), from));
      };
      const say = (text: string): void => {
        writer.add(out, [Buffer.from(`${text}\n`)]);
      };
      let chunks: ChunkLines | undefined;
      let end: SchedulerEndEvent | undefined;
      const failures = new Map<Job, JobOutcome>();
      const subscription = source.subscribe({
        next: (e) => {
          const command = commandEventOf(e);
          if (command !== undefined && e.type === 'value') {
            from = e.job;
            if (command.type === 'line') writeLine(command);
            else if (command.type === 'chunk') (chunks ??= new ChunkLines()).push(e.job, command, writeLine);
            else chunks?.end(e.job, command.node, writeLine);
          } else if (e.type === 'end') end = e;
          else {
            const text = progressText(e);
            if (text !== undefined) say(text);
            if (e.type === 'failed') failures.set(e.job, { status: 'failed', error: e.error });
            else if (e.type === 'skipped') failures.set(e.job, { status: 'skipped', because: e.because });
            else if (e.type === 'cancelled' && e.reason !== 'forever')
              failures.set(e.job, { status: 'cancelled' });
          }
          subscriber.next(e);
        },
        error: (e: unknown) => {
          writer.flush();
          subscriber.error(e);
        },
        complete: () => {
          chunks?.endAll(writeLine);
          // the last end event is the run's own (nested schedulers end before it)
          if (end !== undefined) say(summaryText(end, failures).slice(0, -1));
          writer.flush();
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        writer.flush();
      };
    });
