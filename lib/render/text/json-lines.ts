/**
 * Events as JSON lines, for `jq` and other programs.
 * @module
 */
import { isUtf8 } from 'node:buffer';

import type { OperatorFunction } from 'rxjs';
import { map } from 'rxjs';

import type { CommandEvent, OutputStream } from '../../nodes/command-event.js';
import { bytesOf, continuesLine, endsLine } from '../../nodes/command-event.js';
import type { JobFailedEvent, SchedulerEvent } from '../../core/events.js';
import type { RenderableEvent } from './command-events.js';
import { isCommandEvent } from './command-events.js';
import { isFolded } from './fold.js';

/** Fields of the records about a job (added to command records that come from a scheduler stream). */
interface JobFields {
  /** The job's label. */
  readonly job: string;
  /** The label of the scheduler the job belongs to (a nested one for the jobs inside it). */
  readonly scheduler: string;
  /**
   * The label of that scheduler again when it is folded in listings and graphs (a GroupJob, a MatrixJob,
   * any scheduler with `fold: true`): the job is one of its members. Absent otherwise.
   */
  readonly group?: string;
}

/**
 * A line of output: `{"ts","type":"line","host","stream","text","newline"}`; plus `base64` when the
 * bytes are not valid UTF-8 (then `text` is the lossy decoding, with U+FFFD for bad bytes, and `base64`
 * holds the exact bytes); plus `job` and `scheduler` when it comes from a scheduler stream.
 * @category models
 */
export interface JsonLineRecord extends Partial<JobFields> {
  /** When the event was rendered: ISO 8601, UTC (`2024-05-01T12:00:00.000Z`). */
  readonly ts: string;
  readonly type: 'line';
  /** The node's label. */
  readonly host: string;
  readonly stream: OutputStream;
  /** The line without its `\n`, decoded as UTF-8. */
  readonly text: string;
  /** False only for a last line that had no `\n`. */
  readonly newline: boolean;
  /** The exact bytes of the line, only when they are not valid UTF-8. */
  readonly base64?: string;
  /**
   * `true` on a piece of a line longer than `maxLineBytes` (default 1 MiB; rxssh `--max-line-bytes`) that
   * goes on in the next line record of the same host and stream (then `newline` is false); absent otherwise.
   * A long line is one record per piece, each holding at most the limit's worth of output bytes (so no
   * record, and no string made for it, grows with the line): join the `text` (or the bytes of `base64`) of
   * the records up to the first without `continues` to get the line.
   */
  readonly continues?: true;
}

/**
 * A chunk of output, from a command run with `output: 'chunks'`:
 * `{"ts","type":"chunk","host","stream","text"}`; plus `base64` when the bytes are not valid UTF-8 (as when
 * the chunk cuts a character in two: then `text` is the lossy decoding and `base64` the exact bytes); plus
 * `job` and `scheduler` when it comes from a scheduler stream. The chunks of one host and stream,
 * concatenated, are its exact output.
 * @category models
 */
export interface JsonChunkRecord extends Partial<JobFields> {
  readonly ts: string;
  readonly type: 'chunk';
  readonly host: string;
  readonly stream: OutputStream;
  /** The bytes decoded as UTF-8: not cut into lines, `\n` included. */
  readonly text: string;
  /** The exact bytes, only when they are not valid UTF-8. */
  readonly base64?: string;
}

/**
 * The end of a command: `{"ts","type":"exit","host","code","signal","command"}` (`code` is `null` when a
 * signal killed it, `signal` is `null` otherwise; `command` names the command, `''` when unknown), plus `job`
 * and `scheduler` when it comes from a scheduler stream.
 * @category models
 */
export interface JsonExitRecord extends Partial<JobFields> {
  readonly ts: string;
  readonly type: 'exit';
  readonly host: string;
  readonly code: number | null;
  readonly signal: string | null;
  /** The command it ends (its command line; a transfer's description). */
  readonly command: string;
}

/** A JSON string, number, boolean or null: the values that job records carry. */
type JsonPrimitive = string | number | boolean | null;

/**
 * A job event of a scheduler stream: `{"ts","type","job","scheduler"}` (plus `group` for a member of a
 * folded scheduler) and, by type: `started` an `attempt` when it is a retry (2 for the first retry);
 * `done` and `value` a `value` when it is a string, finite number, boolean or null (omitted otherwise: a
 * job's values may be anything), and `done` `restored: true` for a job a resumed run did not run; `failed` `critical` and `error: {name, code, message}`, plus `attempts`
 * after more than one attempt, `tolerated: true` when its scheduler's `maxFailures` tolerated it and
 * `ignored: true` when it did not count against it; `cancelled` a `reason`; `skipped` `because` (the labels
 * of the requirements that did not succeed). Value events that carry a command event give a line, chunk or
 * exit record instead.
 * @category models
 */
export type JsonJobRecord = JobFields & { readonly ts: string } & (
    | { readonly type: 'started'; readonly attempt?: number }
    | { readonly type: 'value'; readonly value?: JsonPrimitive }
    | { readonly type: 'done'; readonly value?: JsonPrimitive; readonly restored?: true }
    | {
        readonly type: 'failed';
        readonly critical: boolean;
        readonly error: { readonly name: string; readonly code: string; readonly message: string };
        readonly attempts?: number;
        readonly tolerated?: true;
        readonly ignored?: true;
      }
    | { readonly type: 'cancelled'; readonly reason: string }
    | { readonly type: 'skipped'; readonly because: readonly string[] }
  );

/**
 * The end of a scheduler's run: `{"ts","type":"end","scheduler","ok","reason","why"}` (the last record of a
 * scheduler stream, unless nested schedulers' end events show up before it).
 * @category models
 */
export interface JsonEndRecord {
  readonly ts: string;
  readonly type: 'end';
  readonly scheduler: string;
  readonly ok: boolean;
  readonly reason: string;
  readonly why: string;
}

/** What one JSON line holds, discriminated by `type`. @category models */
export type JsonRecord = JsonLineRecord | JsonChunkRecord | JsonExitRecord | JsonJobRecord | JsonEndRecord;

/** Options of {@link toJsonLines}. @category models */
export interface JsonLinesOptions {
  /** The clock read for `ts` (default `() => new Date()`), for tests. */
  readonly now?: (() => Date) | undefined;
}

const jsonPrimitive = (v: unknown): { value?: JsonPrimitive } =>
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  v === null ||
  (typeof v === 'number' && Number.isFinite(v))
    ? { value: v }
    : {};

const commandRecord = (
  ts: string,
  e: CommandEvent,
  job?: JobFields,
): JsonLineRecord | JsonChunkRecord | JsonExitRecord => {
  if (e.type === 'exit')
    return {
      ts,
      type: 'exit',
      ...job,
      host: e.node.label,
      code: e.code,
      signal: e.signal,
      command: typeof e.command === 'string' ? e.command : '',
    };
  const bytes = bytesOf(e);
  if (e.type === 'chunk') {
    const chunk = { ts, type: 'chunk', ...job, host: e.node.label, stream: e.stream } as const;
    const text = bytes.toString('utf8');
    return isUtf8(bytes) ? { ...chunk, text } : { ...chunk, text, base64: bytes.toString('base64') };
  }
  const record = { ts, type: 'line', ...job, host: e.node.label, stream: e.stream, text: e.text } as const;
  const more = continuesLine(e) ? ({ continues: true } as const) : undefined;
  return isUtf8(bytes)
    ? { ...record, newline: endsLine(e), ...more }
    : { ...record, newline: endsLine(e), base64: bytes.toString('base64'), ...more };
};

/** What a failed event says of its scheduler's failure budget (core's `tolerated`, `ignored`). */
const failureBudget = (e: JobFailedEvent): { tolerated?: true; ignored?: true } => {
  const { tolerated, ignored } = e;
  return { ...(tolerated === true ? { tolerated } : {}), ...(ignored === true ? { ignored } : {}) };
};

const schedulerRecord = (ts: string, e: SchedulerEvent): JsonRecord => {
  if (e.type === 'end')
    return { ts, type: 'end', scheduler: e.scheduler.label, ok: e.ok, reason: e.reason, why: e.why };
  const job: JobFields = isFolded(e.scheduler, false)
    ? { job: e.job.label, scheduler: e.scheduler.label, group: e.scheduler.label }
    : { job: e.job.label, scheduler: e.scheduler.label };
  switch (e.type) {
    case 'started':
      return e.attempt === undefined
        ? { ts, type: e.type, ...job }
        : { ts, type: e.type, ...job, attempt: e.attempt };
    case 'value':
      return isCommandEvent(e.value)
        ? commandRecord(ts, e.value, job)
        : { ts, type: e.type, ...job, ...jsonPrimitive(e.value) };
    case 'done':
      return e.restored === true
        ? { ts, type: e.type, ...job, ...jsonPrimitive(e.value), restored: true }
        : { ts, type: e.type, ...job, ...jsonPrimitive(e.value) };
    case 'failed':
      return {
        ts,
        type: e.type,
        ...job,
        critical: e.critical,
        error: { name: e.error.name, code: e.error.code, message: e.error.message },
        ...(e.attempts === undefined ? {} : { attempts: e.attempts }),
        ...failureBudget(e),
      };
    case 'cancelled':
      return { ts, type: e.type, ...job, reason: e.reason };
    case 'skipped':
      return { ts, type: e.type, ...job, because: e.because.map((j) => j.label) };
  }
};

/**
 * The record that stands for an event ({@link JsonRecord}), time-stamped `ts`.
 * @category running
 */
export const toJsonRecord = (event: RenderableEvent, ts: string): JsonRecord =>
  isCommandEvent(event) ? commandRecord(ts, event) : schedulerRecord(ts, event);

/**
 * Maps each event of a command stream or a scheduler stream to one line of JSON (a {@link JsonRecord}), with
 * no newline inside: the writer adds `\n`. Field names are stable: `ts` (ISO time of rendering), `type`,
 * `host` (node label), `stream`, `text`, `newline` (lines only), `continues` (pieces of long lines only),
 * `base64` (only for bytes that are not valid UTF-8), `code`, `signal`, `command` for command events (one `chunk` record per chunk event: not cut into lines);
 * `job`, `scheduler`, `group` (members of folded schedulers only), and by type `attempt` (retries only),
 * `value`, `critical`, `error` (`{name, code, message}`), `attempts`, `tolerated`, `ignored` (only when
 * set), `reason`, `because`, `ok`, `why` for scheduler events.
 * @example
 * scheduler.run().pipe(toJsonLines()).subscribe((json) => process.stdout.write(`${json}\n`));
 * // $ rxjobs … | jq -r 'select(.type == "line") | "\(.host) \(.text)"'
 * @category combinators
 */
export const toJsonLines =
  (options: JsonLinesOptions = {}): OperatorFunction<RenderableEvent, string> =>
  (source) => {
    const now = options.now ?? (() => new Date());
    return source.pipe(map((event) => JSON.stringify(toJsonRecord(event, now().toISOString()))));
  };
