// Before a run connects anywhere: enough open files for the hosts worked on at once? Node has raised the soft
// limit to the hard one already (it does so at start), so too few means the hard limit: rxssh stops with one
// line naming the limit, the figure needed and what to change, rather than lose hosts to EMFILE half-way.
import { openFilesLimit } from '../nodes/open-files.js';
import { UsageError } from './argv.js';

/** Node's own (the event loop, stdio, the thread pool...), with room to spare. */
const BASE = 32;
/** Below this, no check: every system allows that many (and the common run reads nothing). */
const ALWAYS_THERE = 256;

/** What one host at once holds: its socket, and the files of its output (`-o`, the run record) or copies. */
export interface PerHost {
  readonly outDir: boolean;
  readonly record: boolean;
  readonly transfer: boolean;
}

/** Descriptors held by `hosts` hosts at once (an estimate from above, measured on rxssh -o with a record). */
export const openFilesNeeded = (hosts: number, per: PerHost): number =>
  BASE + hosts * (1 + (per.outDir ? 2 : 0) + (per.record ? 1 : 0) + (per.transfer ? 1 : 0));

/**
 * Throws a UsageError when `hosts` hosts at once need more open files than this process may have; `limit`
 * is read only when the figure is large (tests pass their own).
 */
export function checkOpenFiles(
  program: string,
  hosts: number,
  per: PerHost,
  limit: () => { soft: number; hard: number } | undefined = openFilesLimit,
): void {
  const need = openFilesNeeded(hosts, per);
  if (need <= ALWAYS_THERE) return;
  const have = limit();
  if (have === undefined || have.soft >= need) return;
  const perHost = (need - BASE) / hosts;
  const fits = Math.max(1, Math.floor((have.soft - BASE) / perHost));
  const which =
    have.soft < have.hard
      ? `its soft limit (\`ulimit -Sn\`; the hard one, ${String(have.hard)}, allows more)`
      : 'the hard limit (`ulimit -Hn`)';
  throw new UsageError(
    `${String(hosts)} hosts at once need about ${String(need)} open files, and this process may open ` +
      `${String(have.soft)}, ${which}: raise it before running ${program} (\`ulimit -n ${String(need)}\`, ` +
      `as root for a hard limit, or nofile in /etc/security/limits.conf), or work on fewer hosts at once ` +
      `(-w ${String(fits)})`,
  );
}
