/**
 * The 1,000-host case of bench/cli.bench.mjs (issue 15, §4): `echo ok` on 1,000 loopback hosts (127.0.0.2 to
 * 127.0.3.239, 63 sshd) from one rxssh, against a bash loop of `ssh host echo ok &`, on a fleet of its own
 * that keeps OpenSSH's default MaxStartups (10:30:100: beyond 10 unauthenticated connections per sshd, new
 * ones are dropped at random) and MaxSessions, as a loaded real server would. Its unit is the hosts lost: a
 * host with no `ok` (rxssh: no `host:ok` line; the loop: an ssh that failed). Targets: rxssh loses none, its
 * peak RSS within 500 MB, its wall within 0.9x the loop's.
 */
import * as fs from 'node:fs';
import path from 'node:path';

import { tailOf } from './files.mjs';
import { finish } from './processes.mjs';

export const FLEET1000_HOSTS = 1000;
/** Only the key exchange is pinned (every tool the same, and the cheap one); MaxStartups stays OpenSSH's. */
export const FLEET1000_SERVER = { kex: 'curve25519-sha256' };
export const TARGET_FLEET1000 = { lost: 0, peakRssMb: 500, ratio: 0.9 };

/** The 1,000-host fleet, and the line that describes it (its sshd count and start-up time). */
export async function startFleet1000(hosts = FLEET1000_HOSTS) {
  const t0 = performance.now();
  const { startFleet, descendants } = await import('../out/harness/index.js');
  const fleet = await startFleet({ hosts, ...FLEET1000_SERVER });
  const line =
    `fleet (echo1000): ${fleet.hosts.length} hosts ${fleet.hosts[0].address}-${fleet.hosts.at(-1).address} ` +
    `on port ${fleet.port}, ${fleet.sshdPids().length} sshd, MaxStartups and MaxSessions OpenSSH's ` +
    `defaults (10:30:100, 10), KexAlgorithms ${FLEET1000_SERVER.kex}, empty HOME; started in ` +
    `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  return { fleet, descendants, line };
}

/**
 * The case: `rxssh(args, program)` runs an rxssh (`program`: the one under test when undefined) with `args`
 * (its options for `fleet` are `rxsshOptions`); `baseline`, another build's rxssh run beside it; `client` is
 * fleetClient() of this fleet.
 */
export function fleet1000Case({ client, rxssh, rxsshOptions, baseline }) {
  const { fleet, work } = client;
  const hosts = fleet.hosts;
  const hostsFile = path.join(work, 'hosts-1000.txt');
  fs.writeFileSync(hostsFile, hosts.map((h) => `${h.address}\n`).join(''));
  const dir = path.join(work, 'echo1000');
  const rxsshTool = (name, program) => ({
    name,
    needs: program === undefined ? [] : [program],
    run: async () => {
      const r = await rxssh(
        ['-w', String(hosts.length), '-t', hostsFile, ...rxsshOptions, 'echo', 'ok'],
        program,
      );
      const got = new Set();
      for (const line of r.stdout.split('\n')) {
        const m = /^(\S+?)\s*:ok$/.exec(line);
        if (m !== null) got.add(m[1]);
      }
      const lost = hosts.filter((h) => !got.has(h.address)).length;
      // a lost host is a figure (the target is none); exit 1 with lost hosts is that figure too
      const problem =
        r.code !== 0 && lost === 0 ? `exit ${r.signal ?? r.code}: ${tailOf(r.stderr)}` : undefined;
      return { ...finish(r, problem, true), lost };
    },
  });
  return {
    title: `echo ok on ${hosts.length} hosts (${fleet.sshdPids().length} sshd, default MaxStartups), full parallelism`,
    reference: 'bash loop ssh &',
    unitName: 'lost',
    unit: (r) => r.lost,
    tools: [
      ...[undefined, baseline]
        .filter((program, i) => i === 0 || program !== undefined)
        .map((program) => rxsshTool(program === undefined ? 'rxssh' : 'rxssh (baseline)', program)),
      {
        name: 'bash loop ssh &',
        needs: ['ssh'],
        run: async () => {
          fs.rmSync(dir, { recursive: true, force: true });
          fs.mkdirSync(dir);
          const r = await client.bash(
            client.loopScript('echo ok', dir),
            hosts.map((h) => h.address),
          );
          const lost = hosts.filter((h) => {
            try {
              return fs.readFileSync(path.join(dir, h.address), 'utf8') !== 'ok\n';
            } catch {
              return true;
            }
          }).length;
          // the loop exits with its count of failed ssh: they must be the hosts without their `ok`
          const problem =
            r.code === lost % 256 ? undefined : `${r.code} ssh failed, ${lost} hosts without ok`;
          return { ...finish(r, problem), lost };
        },
      },
    ],
  };
}

/** The target lines of the case (`verdict` from kit/figures' targets()). */
export function fleet1000Targets(summary, verdict, fmt) {
  const rx = summary?.rxssh;
  const loop = summary?.['bash loop ssh &'];
  if (rx === undefined) return;
  const lostOf = (s) => (s === undefined ? 'n/a' : s.runs.map((r) => r.lost).join(', '));
  verdict(
    `echo1000: rxssh hosts lost = ${TARGET_FLEET1000.lost} (every run)`,
    `${lostOf(rx)} (loop: ${lostOf(loop)})`,
    rx.ok && rx.runs.every((r) => r.lost === 0),
  );
  verdict(
    `echo1000: rxssh peak RSS <= ${TARGET_FLEET1000.peakRssMb} MB`,
    `${fmt(rx.peakRssMb, 0)} MB`,
    rx.peakRssMb <= TARGET_FLEET1000.peakRssMb,
  );
  const ratio = loop === undefined ? undefined : rx.wallMs / loop.wallMs;
  verdict(
    `echo1000: rxssh / bash loop <= ${TARGET_FLEET1000.ratio}x`,
    ratio === undefined ? 'n/a' : `${fmt(rx.wallMs, 0)} / ${fmt(loop.wallMs, 0)} ms = ${fmt(ratio, 2)}`,
    ratio === undefined ? undefined : rx.ok && loop.ok && ratio <= TARGET_FLEET1000.ratio,
  );
}
