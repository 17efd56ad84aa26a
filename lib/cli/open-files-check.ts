// Before a run connects anywhere: enough open files for the hosts worked on at once? Node has raised the soft
// limit to the hard one already (it does so at start), so too few means the hard limit: rxssh stops with one
// line naming the limit, the figure needed and what to change, rather than lose hosts to EMFILE half-way.
import { openFilesLimit } from '../nodes/open-files.js';
import { UsageError } from './argv.js';

/** Node's own (the event loop, stdio, the thread pool...), with room to spare. */
const BASE = 32;
/** Below this, no check: every system allows that many (and the common run reads nothing). */
const ALWAYS_THERE = 256;

/**
 * What a host holds: its socket (and a transfer's file) while it is worked on, and the files of its output
 * for the whole run: `-o` keeps both files of every host open until the end, the run record its output file.
 */
export interface PerHost {
  readonly outDir: boolean;
  readonly record: boolean;
  readonly transfer: boolean;
}

const perAtOnce = (per: PerHost): number => 1 + (per.transfer ? 1 : 0);
const perTarget = (per: PerHost): number => (per.outDir ? 2 : 0) + (per.record ? 1 : 0);

/**
 * Descriptors held by a run on `hosts` hosts, `atOnce` of them at once (an estimate from above, measured on
 * rxssh -o with a record).
 */
export const openFilesNeeded = (atOnce: number, hosts: number, per: PerHost): number =>
  BASE + atOnce * perAtOnce(per) + hosts * perTarget(per);

/**
 * Throws a UsageError when a run on `hosts` hosts, `atOnce` of them at once, needs more open files than this
 * process may have; `limit` is read only when the figure is large (tests pass their own).
 */
export function checkOpenFiles(
  program: string,
  atOnce: number,
  hosts: number,
  per: PerHost,
  limit: () => { soft: number; hard: number } | undefined = openFilesLimit,
): void {
  const need = openFilesNeeded(atOnce, hosts, per);
  if (need <= ALWAYS_THERE) return;
  const have = limit();
  if (have === undefined || have.soft >= need) return;
  // the output files of every host stay open to the end: a smaller window helps only with the rest
  const fits = Math.floor((have.soft - BASE - hosts * perTarget(per)) / perAtOnce(per));
  const which =
    have.soft < have.hard
      ? `its soft limit (\`ulimit -Sn\`; the hard one, ${String(have.hard)}, allows more)`
      : 'the hard limit (`ulimit -Hn`)';
  const run =
    atOnce === hosts
      ? `${String(hosts)} hosts at once`
      : `${String(hosts)} hosts, ${String(atOnce)} at once,`;
  const kept = [
    ...(per.record ? ['the run record one file per host'] : []),
    ...(per.outDir ? ['-o two files per host'] : []),
  ];
  const fewer =
    fits >= 1
      ? `or work on fewer hosts at once (-w ${String(fits)})`
      : `or run on fewer hosts (${kept.join(' and ')}, open to the end)`;
  throw new UsageError(
    `${run} need about ${String(need)} open files, and this process may open ` +
      `${String(have.soft)}, ${which}: raise it before running ${program} (\`ulimit -n ${String(need)}\`, ` +
      `as root for a hard limit, or nofile in /etc/security/limits.conf), ${fewer}`,
  );
}
