/**
 * Outputs gathered as `clush -b` (dshbak) shows them: the hosts that printed the same lines and ended the
 * same way, under one header with their node set.
 * @module
 */
import { compareHostsNaturally, foldHosts } from '../../hosts/host-ranges.js';
import type { OutputStream } from '../../nodes/command-event.js';

/**
 * The output of one host, as {@link gatherOutputs} reads it.
 * @category models
 */
export interface HostOutput {
  readonly host: string;
  /** Its output lines, without their newlines. */
  readonly lines: readonly string[];
  /** How it ended, in a few words: `exit 0`, `exit 3`, `killed by SIGTERM`, `refused`. */
  readonly status: string;
}

/**
 * Hosts with the same output and status.
 * @category models
 */
export interface GatheredBlock {
  /** The hosts, in natural order. */
  readonly hosts: string[];
  /** The hosts folded into a node set: `fit[01-03,05]` (see `foldHosts()`). */
  readonly nodeset: string;
  readonly status: string;
  readonly lines: readonly string[];
}

/**
 * Groups the hosts whose lines and status are both the same (as `clush -b` does only when the return
 * codes match). Blocks come in the natural order of their first hosts (`fit2` before `fit10`). Give one
 * entry per host.
 * @example
 * gatherOutputs([
 *   { host: 'fit02', lines: ['ok'], status: 'exit 0' },
 *   { host: 'fit01', lines: ['ok'], status: 'exit 0' },
 *   { host: 'fit03', lines: [], status: 'refused' },
 * ]);
 * // [{ hosts: ['fit01', 'fit02'], nodeset: 'fit[01-02]', status: 'exit 0', lines: ['ok'] },
 * //  { hosts: ['fit03'], nodeset: 'fit03', status: 'refused', lines: [] }]
 * @category combinators
 */
export function gatherOutputs(outputs: Iterable<HostOutput>): GatheredBlock[] {
  const groups = new Map<string, { hosts: string[]; status: string; lines: readonly string[] }>();
  for (const { host, lines, status } of outputs) {
    const key = JSON.stringify([status, lines]);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { hosts: [host], status, lines: [...lines] });
    else group.hosts.push(host);
  }
  return [...groups.values()]
    .map(({ hosts, status, lines }) => {
      const sorted = hosts.sort(compareHostsNaturally);
      return { hosts: sorted, nodeset: foldHosts(sorted), status, lines };
    })
    .sort((a, b) => compareHostsNaturally(a.hosts[0] ?? '', b.hosts[0] ?? ''));
}

/**
 * Options of {@link formatGathered}.
 * @category models
 */
export interface GatheredFormatOptions {
  /** Headers in bold (ANSI escapes); default `false`: plain text. */
  readonly color?: boolean | undefined;
}

/** The widest line of dashes around a header. */
const MAX_RULE = 78;
/** Headers pad the `nodeset (count)` part to at least this width, so that statuses line up. */
const MIN_NODESET_WIDTH = 24;

/**
 * The blocks as text, each one a header between two lines of dashes (as long as the header, at most 78),
 * then its lines, or `(no output)`:
 * ```
 * -------------------------------
 * fit[01-03,05] (4)        exit 0
 * -------------------------------
 * line 1
 * ```
 * The header is the node set, the number of hosts and the status, which lines up across blocks.
 * Deterministic; ANSI escapes only with `color`. No blocks give `''`.
 * @category combinators
 */
export function formatGathered(
  blocks: readonly GatheredBlock[],
  options: GatheredFormatOptions = {},
): string {
  const lefts = blocks.map((block) => `${block.nodeset} (${String(block.hosts.length)})`);
  const width = lefts.reduce((w, left) => Math.max(w, left.length), MIN_NODESET_WIDTH);
  const text: string[] = [];
  blocks.forEach((block, i) => {
    const header = `${(lefts[i] ?? '').padEnd(width)} ${block.status}`.trimEnd();
    const rule = '-'.repeat(Math.min(header.length, MAX_RULE));
    text.push(rule, options.color === true ? `\u001b[1m${header}\u001b[22m` : header, rule);
    if (block.lines.length === 0) text.push('(no output)');
    else for (const line of block.lines) text.push(line); // not push(...lines): 200,000 lines overflow the stack
  });
  return text.map((line) => `${line}\n`).join('');
}

/** What an {@link OutputCollector} keeps of a host; `open`: the line a piece of each stream left open. */
interface Entry {
  lines: string[];
  streams: OutputStream[];
  status: string;
  open: Partial<Record<OutputStream, number | undefined>>;
  /** Characters of the open line of each stream left out: past {@link MAX_KEPT_LINE}. */
  dropped: Partial<Record<OutputStream, number | undefined>>;
}

/**
 * The longest line a collector keeps whole, in characters: a longer one (given in pieces) keeps its start
 * and says how much was left out. JavaScript strings cannot hold much more than 512 Mi characters.
 */
const MAX_KEPT_LINE = 64 * 1024 * 1024;

/**
 * The output of one host as an {@link OutputCollector} keeps it: {@link HostOutput} plus the stream of
 * each line.
 * @category models
 */
export interface CollectedOutput extends HostOutput {
  readonly lines: string[];
  /** `streams[i]` is the stream that `lines[i]` came on. */
  readonly streams: OutputStream[];
}

/**
 * Keeps each host's output lines and status for {@link gatherOutputs}. A host's stdout lines come first,
 * then its stderr lines, each stream in the order it arrived, without any mark of their stream: so hosts
 * compare on everything they printed, and the order of two streams (which the network does not keep) does not
 * split hosts that printed the same (the stream of each line is still kept in `streams`). Hosts come out in the
 * order they were first seen; one that got no status is `unfinished` (still running when the output was
 * taken, after a Ctrl-C for instance).
 * @example
 * const collector = new OutputCollector();
 * collector.add('fit01', 'stdout', 'hello');
 * collector.setStatus('fit01', 'exit 0');
 * formatGathered(gatherOutputs(collector.outputs()));
 * @category constructors
 */
export class OutputCollector {
  readonly #hosts = new Map<string, Entry>();

  /**
   * Records output of `host`: `text` is one line without its newline, or several separated by `\n` (a final
   * `\n` does not start an empty line; `''` is one empty line). With `continues` (a piece of a long line, see
   * `LineEvent.continues`), the next text added for this host and stream goes on with the same line.
   */
  add(host: string, stream: OutputStream, text: string, continues = false): void {
    const entry = this.#entry(host);
    const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
    const open = entry.open[stream];
    let first = 0;
    if (open !== undefined) {
      const kept = entry.lines[open] ?? '';
      const more = lines[0] ?? '';
      if (kept.length + more.length <= MAX_KEPT_LINE && entry.dropped[stream] === undefined)
        entry.lines[open] = `${kept}${more}`;
      else {
        const room = Math.max(0, MAX_KEPT_LINE - kept.length);
        entry.lines[open] = `${kept}${more.slice(0, room)}`;
        entry.dropped[stream] = (entry.dropped[stream] ?? 0) + more.length - Math.min(room, more.length);
      }
      const dropped = entry.dropped[stream];
      if (dropped !== undefined && (lines.length > 1 || !continues)) {
        // the long line ended: say what it lost
        entry.lines[open] += ` [... ${String(dropped)} more characters of this line not kept]`;
        entry.dropped[stream] = undefined;
      }
      first = 1;
    }
    for (let i = first; i < lines.length; i++) {
      entry.lines.push(lines[i] as string);
      entry.streams.push(stream);
    }
    entry.open[stream] = continues ? entry.lines.length - 1 : undefined;
  }

  /** Records how `host` ended (`exit 0`, `refused`…); a later call replaces it. */
  setStatus(host: string, status: string): void {
    this.#entry(host).status = status;
  }

  /** Every host seen so far, with copies of its lines. */
  outputs(): CollectedOutput[] {
    return [...this.#hosts].map(([host, { lines, streams, status }]) => {
      const of = (stream: OutputStream): string[] => lines.filter((_, i) => streams[i] === stream);
      const out = of('stdout');
      const err = of('stderr');
      return {
        host,
        lines: [...out, ...err],
        streams: [...out.map((): OutputStream => 'stdout'), ...err.map((): OutputStream => 'stderr')],
        status,
      };
    });
  }

  #entry(host: string): Entry {
    let entry = this.#hosts.get(host);
    if (entry === undefined) {
      entry = { lines: [], streams: [], status: 'unfinished', open: {}, dropped: {} };
      this.#hosts.set(host, entry);
    }
    return entry;
  }
}
