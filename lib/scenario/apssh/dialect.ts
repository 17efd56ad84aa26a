/**
 * Which dialect a scenario file is written in: the keys of apssh's YAML loader against their rxjobs
 * spellings, found in one pass over its nodes, jobs and commands.
 * @module
 */
import { isRecord } from '../codecs-combinators.js';
import type { Dialect } from './pass.js';

/** Keys that only apssh's loader knows, where they are found. @internal */
export const APSSH_KEYS = {
  node: ['localnode', 'formatter', 'verbose', 'critical'],
  job: ['required', 'verbose'],
  command: [
    'local_script',
    'script_body',
    'localpaths',
    'remotepath',
    'remotepaths',
    'localpath',
    'remote_name',
    'allowed_exits',
    'x11',
    'ignore_outputs',
    'verbose',
    'recurse',
    'follow_symlinks',
  ],
} as const;

/** The rxjobs spellings of apssh's keys: a file with both is `mixed`. */
const RXJOBS_TWINS = {
  node: ['local'],
  job: ['requires'],
  command: [
    'script',
    'body',
    'localPaths',
    'remoteDir',
    'remotePaths',
    'localDir',
    'localPath',
    'remoteName',
    'allowedExits',
  ],
} as const;

/** The entries of a list, or of a map from ids. @internal */
export const entriesOf = (section: unknown): [string | number, unknown][] =>
  Array.isArray(section)
    ? section.map((v: unknown, i): [number, unknown] => [i, v])
    : isRecord(section)
      ? Object.entries(section)
      : [];

const has = (entry: unknown, keys: readonly string[]): boolean =>
  isRecord(entry) && keys.some((k) => Object.hasOwn(entry, k));

/** A RunScript or RunString `command`: apssh's only. */
const apsshCommand = (c: unknown): boolean =>
  isRecord(c) && (c['type'] === 'RunScript' || c['type'] === 'RunString') && Object.hasOwn(c, 'command');

/** What a file's data uses: apssh's keys, rxjobs' spellings of them, job labels to trim. @internal */
export interface Usage {
  readonly dialect: Dialect;
  /** A job label starts or ends with white space (a `>` block ends with a newline). */
  readonly labels: boolean;
}

/** The dialect of a file's data, in one pass over its entries (no copy). @internal */
export const usageOf = (data: unknown): Usage => {
  let apssh = false;
  let rxjobs = false;
  let labels = false;
  if (!isRecord(data)) return { dialect: 'rxjobs', labels };
  for (const [, node] of entriesOf(data['nodes'])) {
    apssh ||= has(node, APSSH_KEYS.node);
    rxjobs ||= has(node, RXJOBS_TWINS.node);
  }
  for (const [, job] of entriesOf(data['jobs'])) {
    if (!isRecord(job)) continue;
    apssh ||= has(job, APSSH_KEYS.job);
    rxjobs ||= has(job, RXJOBS_TWINS.job);
    const label = job['label'];
    labels ||= typeof label === 'string' && label.trim() !== label;
    const commands = job['commands'];
    if (!Array.isArray(commands)) continue;
    for (const c of commands) {
      apssh ||= has(c, APSSH_KEYS.command) || apsshCommand(c);
      rxjobs ||= has(c, RXJOBS_TWINS.command);
    }
  }
  return { dialect: apssh ? (rxjobs ? 'mixed' : 'apssh') : 'rxjobs', labels };
};
