/**
 * Command output as host-prefixed lines (apssh's HostFormatter, TimeHostFormatter and RawFormatter): the
 * bytes of each line; render/write-lines.ts writes them to a terminal.
 * @module
 */
import type { LineEvent, NodeRef } from '../../nodes/command-event.js';
import { endsLine, lineBytesOf } from '../../nodes/command-event.js';

const NL = Buffer.from('\n');

/**
 * How lines are formatted by {@link formatLine} and {@link writeLines}.
 * @category models
 */
export interface LineFormatOptions {
  /**
   * `host` (the default): `label:` then the line then `\n`, also after a last line that had no `\n`, so
   * that the next host's line never glues onto it. `raw`: the line's bytes, with its `\n` only if it had one.
   */
  readonly format?: 'host' | 'raw' | undefined;
  /**
   * Prefix `host` lines with their local reception time and a space: `true` for `HH:MM:SS`, or a function
   * giving the text. Ignored in `raw` format, which writes the bytes only.
   */
  readonly time?: boolean | ((d: Date) => string) | undefined;
  /**
   * Pad labels with spaces on the right to this many characters, so that the colons, and the lines after
   * them, line up (`h1   :…` above `host2:…`); longer labels are kept whole. See {@link labelWidth}.
   */
  readonly width?: number | undefined;
  /** The clock read for `time` (default `() => new Date()`), for tests. */
  readonly now?: (() => Date) | undefined;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** `HH:MM:SS` in local time. */
const hhmmss = (d: Date): string => `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;

/** The width that {@link LineFormatOptions.width} needs to align the labels of `nodes`. @category models */
export const labelWidth = (nodes: Iterable<NodeRef>): number => {
  let width = 0;
  for (const node of nodes) width = Math.max(width, node.label.length);
  return width;
};

/**
 * The host prefixes of `host` lines by label (`label:`, the label padded to the width), each made once (the
 * time stamp, when any, is not part of it).
 * @internal
 */
export function linePrefixesOf(options: LineFormatOptions): (label: string) => Buffer {
  const width = options.width ?? 0;
  const prefixes = new Map<string, Buffer>();
  return (label) => {
    let prefix = prefixes.get(label);
    if (prefix === undefined) {
      prefix = Buffer.from(`${label.padEnd(width)}:`);
      prefixes.set(label, prefix);
    }
    return prefix;
  };
}

/**
 * The parts of formatted lines (time, label prefix, bytes, `\n`), to be written together; the parts function
 * keeps the label prefixes, and the time text of the current second, from one line to the next.
 * @internal
 */
export function linePartsOf(
  options: LineFormatOptions,
  bytesOfLine: (event: LineEvent) => Buffer = lineBytesOf,
): (event: LineEvent) => Buffer[] {
  if (options.format === 'raw')
    return (event) => (endsLine(event) ? [bytesOfLine(event), NL] : [bytesOfLine(event)]);
  const prefixOf = linePrefixesOf(options);
  const time = options.time ?? false;
  if (time === false) return (event) => [prefixOf(event.node.label), bytesOfLine(event), NL];
  const now = options.now ?? (() => new Date());
  // the default text changes once a second: keep it for the second it was made in
  let second = NaN;
  let stamp = Buffer.alloc(0);
  const stampOf = (d: Date): Buffer => {
    if (time !== true) return Buffer.from(`${time(d)} `);
    const s = Math.floor(d.getTime() / 1000);
    if (s !== second) {
      second = s;
      stamp = Buffer.from(`${hhmmss(d)} `);
    }
    return stamp;
  };
  return (event) => [stampOf(now()), prefixOf(event.node.label), bytesOfLine(event), NL];
}

/**
 * A reusable {@link formatLine}: the function it returns keeps the label prefixes, and the time text of the
 * current second, from one line to the next, for streams of many lines.
 * @category running
 */
export function lineFormatter(options: LineFormatOptions = {}): (event: LineEvent) => Buffer {
  const partsOf = linePartsOf(options);
  return (event) => {
    const parts = partsOf(event);
    return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
  };
}

/**
 * One line of output as bytes, ready for one `write()`: `label:` + the line's bytes + `\n` (the `host`
 * format, with an optional time prefix and padded label), or the line's bytes alone with its `\n` if it had
 * one (`raw`). Bytes are kept exactly, so binary output survives.
 * @example
 * process.stdout.write(formatLine(event, { width: 8, time: true })); // "12:04:59 h1      :hello\n"
 * @category running
 */
export const formatLine = (event: LineEvent, options: LineFormatOptions = {}): Buffer =>
  lineFormatter(options)(event);
