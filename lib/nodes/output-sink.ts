import { ConfigError } from '../errors/config-error.js';
import type { ChunkEvent, LineEvent, NodeRef, OutputStream } from './command-event.js';
import { chunkOf, nodeRef } from './command-event.js';
import { LineSplitter } from './line-splitter.js';
import type { OutputMode } from './node.js';

/**
 * What a node does with the output of a command, chunk by chunk: cut it into line events (`'lines'`) or pass
 * each chunk on as a chunk event (`'chunks'`).
 * @internal
 */
export interface OutputSink {
  /** A chunk of `stream`, as received. */
  push(stream: OutputStream, chunk: Buffer): void;
  /** The end of `stream`: its last line, when it did not end with `\n`. Idempotent. */
  end(stream: OutputStream): void;
}

/** Whether `mode` is `'lines'` or `'chunks'` (options may come from JavaScript, unchecked). @internal */
export const isOutputMode = (mode: unknown): mode is OutputMode => mode === 'lines' || mode === 'chunks';

/**
 * The sink for `mode` (`undefined`: lines), emitting events for `node`, lines longer than `maxLineBytes` in
 * pieces; throws a `ConfigError` naming `subject` for any other mode.
 * @internal
 */
export function outputSink(
  mode: OutputMode | undefined,
  node: NodeRef,
  emit: (event: LineEvent | ChunkEvent) => void,
  subject: string,
  maxLineBytes?: number,
): OutputSink {
  if (mode === 'chunks') {
    const ref = nodeRef(node);
    return {
      push: (stream, chunk) => {
        if (chunk.length > 0) emit(chunkOf(stream, chunk, ref));
      },
      end: () => undefined,
    };
  }
  if (mode !== undefined && !isOutputMode(mode))
    throw new ConfigError(subject, 'output', `must be 'lines' or 'chunks', not ${JSON.stringify(mode)}`);
  const splitters = {
    stdout: new LineSplitter('stdout', node, maxLineBytes),
    stderr: new LineSplitter('stderr', node, maxLineBytes),
  };
  return {
    push: (stream, chunk) => {
      splitters[stream].push(chunk, emit);
    },
    end: (stream) => {
      splitters[stream].end(emit);
    },
  };
}
