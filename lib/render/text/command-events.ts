/**
 * Recognising command events, alone or carried by the `value` events of a scheduler stream: what every
 * renderer of command output starts with.
 * @module
 */
import type { Observable, OperatorFunction } from 'rxjs';
import { filter, map } from 'rxjs';

import type { CommandEvent } from '../../nodes/command-event.js';
import type { SchedulerEvent } from '../../core/events.js';

/**
 * What renderers accept: a command's stream, or a scheduler's stream whose jobs emit command events.
 * @category models
 */
export type RenderableEvent = CommandEvent | SchedulerEvent;

/**
 * An operator that passes every event on unchanged, whatever the precise event type of its source (a command
 * stream, a scheduler stream): what writers such as `writeLines` and `writeHostFiles` return.
 * @category models
 */
export type PassThroughOperator = <T extends RenderableEvent>(source: Observable<T>) => Observable<T>;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

const isNodeRef = (x: unknown): boolean => isObject(x) && typeof x['label'] === 'string';

const isBytes = (x: unknown): boolean => x instanceof Uint8Array;

/**
 * Whether `x` is a {@link CommandEvent}, recognised by its `type` and shape (so that copies made by
 * `{ ...event }` or `structuredClone`, events with fields added, and the events of a second copy of the package
 * are recognised too): a line event (`type: 'line'`, `stream` `'stdout'` or `'stderr'`, string `text`, boolean
 * `newline` when present (absent: the line ended with `\n`, as in events that have only
 * `{ type, stream, text, node }`), `bytes` a Buffer or `Uint8Array` when present), a chunk event
 * (`type: 'chunk'`, `stream`, `bytes` a Buffer or `Uint8Array`) or an exit event (`type: 'exit'`, `code` a
 * number or `null`, `signal` a string or `null`, `command` a string when present); all with a `node` that has
 * a string `label`.
 * @example
 * scheduler.run().pipe(filter((e) => e.type === 'value' && isCommandEvent(e.value)));
 * @category models
 */
export function isCommandEvent(x: unknown): x is CommandEvent {
  if (!isObject(x) || !isNodeRef(x['node'])) return false;
  if (x['type'] === 'line')
    return (
      (x['stream'] === 'stdout' || x['stream'] === 'stderr') &&
      typeof x['text'] === 'string' &&
      (x['newline'] === undefined || typeof x['newline'] === 'boolean') &&
      (x['bytes'] === undefined || isBytes(x['bytes']))
    );
  if (x['type'] === 'chunk')
    return (x['stream'] === 'stdout' || x['stream'] === 'stderr') && isBytes(x['bytes']);
  if (x['type'] === 'exit')
    return (
      (x['code'] === null || typeof x['code'] === 'number') &&
      (x['signal'] === null || typeof x['signal'] === 'string') &&
      (x['command'] === undefined || typeof x['command'] === 'string')
    );
  return false;
}

/**
 * The command event an event stands for: the event itself when it is one, the value of a scheduler `value`
 * event when that is one, else `undefined`.
 * @category models
 */
export const commandEventOf = (event: RenderableEvent): CommandEvent | undefined => {
  if (event.type === 'value') return isCommandEvent(event.value) ? event.value : undefined;
  return isCommandEvent(event) ? event : undefined;
};

/**
 * Keeps the command events of a stream: those it holds directly, and those carried by scheduler `value`
 * events.
 * @example
 * scheduler.run().pipe(commandEvents(), captureStdout());
 * @category combinators
 */
export const commandEvents = (): OperatorFunction<RenderableEvent, CommandEvent> => (source) =>
  source.pipe(
    map(commandEventOf),
    filter((e) => e !== undefined),
  );
