import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` every `every` ms until it answers true (resolves true) or `ms` have passed (resolves false):
 * for what happens shortly after a Promise resolves elsewhere (a process reaped, a socket closed).
 * @example
 * expect(await eventually(async () => (await remoteProcesses(marker)).length === 0)).to.equal(true);
 */
export const eventually = async (
  check: () => boolean | Promise<boolean>,
  ms = 5000,
  every = 50,
): Promise<boolean> => {
  const end = performance.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (performance.now() > end) return false;
    await sleep(every);
  }
};
