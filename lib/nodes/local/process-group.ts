/**
 * A local command's process group: signalled as a whole, and watched until no live member is left (zombies
 * not counted), so that a cancelled command leaves no background child behind.
 * @module
 */
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** How often a cancelled command's process group is checked for survivors (ms). */
const KILL_POLL = 20;
/** How long, after SIGKILL, to wait for the group to vanish (ms). */
const KILL_WAIT = 500;

/** Sends `signal` (0: none, just check) to process group `pgid`; false when the group does not exist. */
const signalGroup = (pgid: number, signal: NodeJS.Signals | 0): boolean => {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e: unknown) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH'; // EPERM: it exists, but is not ours to signal
  }
};

/**
 * Whether group `pgid` has a member that is not a zombie. Orphans' zombies stay in their group until init
 * reaps them, and a container's init may never do so: on Linux, `/proc` tells them apart.
 */
const groupAlive = async (pgid: number): Promise<boolean> => {
  if (!signalGroup(pgid, 0)) return false;
  const pids = await readdir('/proc').catch(() => undefined);
  if (pids === undefined) return true;
  const states = await Promise.all(
    pids
      .filter((pid) => /^\d+$/.test(pid))
      .map(async (pid) => {
        const stat = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => '');
        // `pid (comm) state ppid pgrp ...`: comm may hold spaces and parentheses
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return pgrp === String(pgid) && state !== 'Z' && state !== 'X';
      }),
  );
  return states.includes(true);
};

/** Waits up to `within` ms for group `pgid` to have no live member; true when it has none. */
const groupVanishes = async (pgid: number, within: number): Promise<boolean> => {
  const deadline = performance.now() + within;
  while (await groupAlive(pgid)) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await sleep(Math.min(KILL_POLL, left));
  }
  return true;
};

/** SIGTERM to the group, then SIGKILL after `grace` ms if a member survives. Never rejects. @internal */
export const killGroup = async (pgid: number, grace: number): Promise<void> => {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  if (await groupVanishes(pgid, grace)) return;
  signalGroup(pgid, 'SIGKILL');
  await groupVanishes(pgid, KILL_WAIT);
};
