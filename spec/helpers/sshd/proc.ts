/** Processes, from /proc (Linux), synchronous so that the exit hook can use them too. */
import * as fs from 'node:fs';

import { waitUntil } from './programs.js';

export interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly state: string;
  /** Start time in clock ticks since boot: (pid, start) names a process even after pid reuse. */
  readonly start: string;
}

export const readProc = (pid: number): Proc | undefined => {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return {
    pid,
    comm: stat.slice(stat.indexOf('(') + 1, close),
    state: fields[0] ?? '',
    ppid: Number(fields[1]),
    start: fields[19] ?? '',
  };
};

export const processTable = (): Proc[] =>
  fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProc(Number(name)))
    .filter((p): p is Proc => p !== undefined);

/** Alive: exists, is the same process (start time) and is not a zombie. */
export const isAlive = (ref: Pick<Proc, 'pid' | 'start'>): boolean => {
  const p = readProc(ref.pid);
  return p !== undefined && p.start === ref.start && p.state !== 'Z';
};

/** The live processes below `roots` (not the roots themselves). */
export const descendantsOf = (roots: readonly number[], table: readonly Proc[]): Proc[] => {
  const children = new Map<number, Proc[]>();
  for (const p of table) {
    if (p.state === 'Z') continue;
    const siblings = children.get(p.ppid) ?? [];
    siblings.push(p);
    children.set(p.ppid, siblings);
  }
  const found: Proc[] = [];
  const queue = [...roots];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
};

/** The pids of the live processes below `roots`, roots excluded (the benchmarks wait for none between runs). */
export const descendants = (roots: readonly number[]): number[] =>
  descendantsOf(roots, processTable()).map((p) => p.pid);

export const signal = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
};

/**
 * Stops (SIGSTOP) the live `roots` and the processes below them that `include` accepts, repeating until no
 * new one appears (a stopped process cannot fork), and returns them all.
 */
export const freezeTrees = (roots: readonly Proc[], include: (p: Proc) => boolean = () => true): Proc[] => {
  const frozen = new Map<number, Proc>();
  for (let round = 0; round < 50; round++) {
    const table = processTable();
    const live = roots.filter((r) =>
      table.some((p) => p.pid === r.pid && p.start === r.start && p.state !== 'Z'),
    );
    const fresh = [
      ...live,
      ...descendantsOf(
        live.map((r) => r.pid),
        table,
      ).filter(include),
    ].filter((p) => !frozen.has(p.pid));
    if (fresh.length === 0) break;
    for (const p of fresh) {
      signal(p.pid, 'SIGSTOP');
      frozen.set(p.pid, p);
    }
  }
  return [...frozen.values()];
};

/** SIGKILLs the processes (already frozen or not) and waits, bounded, until none is alive. */
export const killAndWait = async (procs: readonly Proc[], timeoutMs = 5000): Promise<void> => {
  for (const p of procs) signal(p.pid, 'SIGKILL');
  await waitUntil(() => procs.every((p) => !isAlive(p)), timeoutMs);
};
