/**
 * The fleet's side: the loopback sshd fleet of the sshd harness (spec/helpers/sshd/, built into
 * bench/out/harness/ by `npm run build:harness`) with the benchmarks' sshd settings, the CPU of its sshd,
 * `quiesce` between runs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';

/** The fleet's sshd settings: many connections at once, one cheap key exchange. */
export const FLEET_SERVER = { maxStartups: '1000:30:1000', maxSessions: 100, kex: 'curve25519-sha256' };

/**
 * Starts a fleet of `hosts` loopback sshd hosts with FLEET_SERVER's settings; `line` describes it.
 * `descendants` is the harness's (for `quiesce`).
 */
export async function startBenchFleet(hosts) {
  const t0 = performance.now();
  const { startFleet, descendants } = await import('../out/harness/index.js');
  const fleet = await startFleet({ hosts, ...FLEET_SERVER });
  const line =
    `fleet: ${fleet.hosts.length} hosts ${fleet.hosts[0].address}-${fleet.hosts.at(-1).address.split('.')[3]} ` +
    `on port ${fleet.port}, ${fleet.sshdPids().length} sshd, MaxStartups ${FLEET_SERVER.maxStartups}, ` +
    `MaxSessions ${FLEET_SERVER.maxSessions}, KexAlgorithms ${FLEET_SERVER.kex}, empty HOME; ` +
    `started in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  return { fleet, descendants, line };
}

let clockTicks;
/**
 * CPU (ms) used by the fleet's sshd: the listeners' own and that of every finished connection, which the
 * listener reaps (the connection's sshd reaps its session shells in turn, so theirs is included).
 */
export function serverCpuMs(pids) {
  clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
    } catch {
      // gone
    }
  }
  return (ticks * 1000) / clockTicks;
}

/** Waits (at most 2 s) until the fleet has no connection processes left, so that runs do not overlap. */
export async function quiesce(fleet, descendants) {
  for (let i = 0; i < 100 && descendants(fleet.sshdPids()).length > 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
}
