/**
 * The text of a scenario's commands and job options, for `--dry-run`.
 * @module
 */
import { shellJoin, shellQuote } from '../nodes/shell-quote.js';
import type { CommandSpec } from './codecs-commands.js';
import type { InstanceJobSpec, JobSpec, RetriesSpec } from './codecs-jobs.js';

/** `2.5 s`. @internal */
export const seconds = (s: number): string => `${String(s)} s`;

/** `(capture x, allowed exits 1, TERM)`, or nothing. */
const extras = (parts: readonly (string | false | undefined)[]): string => {
  const kept = parts.filter((p): p is string => typeof p === 'string');
  return kept.length === 0 ? '' : `  (${kept.join('; ')})`;
};

const firstLine = (body: string): string => {
  const line =
    body
      .split('\n')
      .find((l) => l.trim() !== '' && !l.startsWith('#'))
      ?.trim() ?? '';
  return line.length > 40 ? `${line.slice(0, 40)}...` : line;
};

/** One command, as it will run. @internal */
export const describeCommand = (c: CommandSpec): string => {
  const args = (list: readonly string[] | undefined) =>
    list === undefined || list.length === 0 ? '' : ` ${shellJoin(list)}`;
  switch (c.type) {
    case 'Push':
      return `Push: ${c.localPaths.join(', ')} -> ${c.remoteDir}`;
    case 'Pull':
      return `Pull: ${c.remotePaths.join(', ')} -> ${c.localDir ?? c.localPath ?? ''}`;
    default: {
      const text =
        c.type === 'Run'
          ? c.argv !== undefined
            ? [shellQuote(c.argv[0] ?? ''), ...c.argv.slice(1).map(shellQuote)].join(' ')
            : `${c.command ?? ''}${args(c.args)}`
          : c.type === 'RunScript'
            ? `${c.script}${args(c.args)}`
            : `${c.remoteName ?? firstLine(c.body)}${args(c.args)}`;
      return `${c.type}: ${text}${extras([
        c.capture !== undefined && `capture ${c.capture}`,
        c.allowedExits !== undefined && `allowed exits ${c.allowedExits.join(', ')}`,
        c.env !== undefined && `env ${Object.keys(c.env).join(', ')}`,
        c.pty === true && 'pty',
        c.type !== 'Run' &&
          c.includes !== undefined &&
          c.includes.length > 0 &&
          `includes ${c.includes.join(', ')}`,
      ])}`;
    }
  }
};

const retries = (r: RetriesSpec): string =>
  typeof r === 'number'
    ? `retries ${String(r)}`
    : `retries ${String(r.count)}${r.delay === undefined ? '' : ` (delay ${seconds(r.delay)})`}`;

/** The options of a job that every kind of job has, in the order they are shown. @internal */
export const jobFlags = (job: JobSpec | InstanceJobSpec): (string | false)[] => [
  job.label !== undefined && `label ${JSON.stringify(job.label)}`,
  job.critical !== undefined && (job.critical ? 'critical' : 'not critical'),
  job.forever === true && 'forever',
  job.timeout !== undefined && `timeout ${seconds(job.timeout)}`,
  job.runIf !== undefined && `runIf ${job.runIf}`,
  job.retries !== undefined && retries(job.retries),
];

/** `[a, b]`, or nothing when there is no flag. @internal */
export const flagText = (flags: readonly (string | false | undefined)[]): string => {
  const kept = flags.filter((f): f is string => typeof f === 'string');
  return kept.length > 0 ? ` [${kept.join(', ')}]` : '';
};

/** The numbered commands of a job, indented. @internal */
export const commandLines = (commands: readonly CommandSpec[], indent: string): string[] =>
  commands.map((c, i) => `${indent}${String(i + 1)}. ${describeCommand(c)}`);
