/**
 * A fleet's addresses across 127.0.0.0/8, and the machine's limits that a large fleet needs: open files (ours,
 * which sshd inherits), processes (sshd forks two or three per connection), and local ports. Linux only.
 */
import * as fs from 'node:fs';

/** 127.0.0.2-254 (253 hosts), then 127.0.1.1-254, 127.0.2.1-254... (.0 and .255 skipped everywhere). */
export const MAX_HOSTS = 253 + 254 * 16;

/** The address of host `i` (0-based): the first 253 are 127.0.0.2-254, as small fleets always had. */
export const addressOf = (i: number): string => {
  if (i < 253) return `127.0.0.${String(i + 2)}`;
  const j = i - 253;
  return `127.0.${String(1 + Math.floor(j / 254))}.${String(1 + (j % 254))}`;
};

const readNumber = (file: string): number | undefined => {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return text === 'max' ? Infinity : Number(text.split(/\s+/)[0]);
  } catch {
    return undefined;
  }
};

/** The soft and hard limits of a resource of this process (`Max open files`...), from /proc/self/limits. */
export const processLimit = (name: string): { soft: number; hard: number } | undefined => {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((l) => l.startsWith(name));
  if (line === undefined) return undefined;
  const [soft, hard] = line
    .slice(name.length)
    .trim()
    .split(/\s+/)
    .map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return soft === undefined || hard === undefined ? undefined : { soft, hard };
};

/** The pids.max of this process's cgroup (v2, or v1's pids controller); Infinity when unlimited or unknown. */
const cgroupPidsMax = (): number => {
  let lines: string[];
  try {
    lines = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  } catch {
    return Infinity;
  }
  for (const line of lines) {
    const [id, controllers, where] = line.split(':');
    if (where === undefined) continue;
    const file =
      id === '0' && controllers === ''
        ? `/sys/fs/cgroup${where}/pids.max`
        : controllers?.split(',').includes('pids') === true
          ? `/sys/fs/cgroup/pids${where}/pids.max`
          : undefined;
    const max = file === undefined ? undefined : readNumber(file);
    if (max !== undefined && Number.isFinite(max)) return max;
  }
  return Infinity;
};

const processCount = (): number => fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;

/**
 * What this machine lacks for a fleet of `hosts` hosts with one client connection to each at once: one line
 * per missing limit, saying the figure needed and what to change; empty when nothing is missing. Fleets of
 * 100 hosts or fewer are not checked (every machine has that much).
 */
export const missingLimits = (hosts: number): string[] => {
  if (hosts <= 100) return [];
  const problems: string[] = [];
  // the client (this process, or a CLI it starts: they inherit the limit) holds a socket per host; each
  // sshd holds its 16 listening sockets and a pipe per connection in progress
  const files = processLimit('Max open files');
  const needFiles = hosts + 256;
  if (files !== undefined && files.hard < needFiles) {
    problems.push(
      `open files: the hard limit is ${String(files.hard)}, ${String(needFiles)} are needed for ${String(hosts)} ` +
        `hosts (a socket each): run \`ulimit -n ${String(needFiles)}\` as root, or raise nofile in ` +
        '/etc/security/limits.conf, before the tests',
    );
  }
  // sshd forks a child per connection, a privilege-separated one before authentication, then the session's
  // shell: up to three processes per host at once
  const needPids = 3 * hosts + 64;
  const pidMax = readNumber('/proc/sys/kernel/pid_max') ?? Infinity;
  const running = processCount();
  if (pidMax - running < needPids) {
    problems.push(
      `processes: kernel.pid_max is ${String(pidMax)} with ${String(running)} running, ${String(needPids)} more ` +
        `are needed (three per host): \`sysctl -w kernel.pid_max=${String(running + needPids + 1024)}\``,
    );
  }
  const nproc = processLimit('Max processes');
  if (process.getuid?.() !== 0 && nproc !== undefined && nproc.soft < running + needPids) {
    problems.push(
      `processes: the limit of processes per user (ulimit -u) is ${String(nproc.soft)}, ` +
        `${String(running + needPids)} may run: \`ulimit -u ${String(running + needPids)}\``,
    );
  }
  const pids = cgroupPidsMax();
  if (pids - running < needPids) {
    problems.push(
      `processes: this cgroup's pids.max is ${String(pids)} with ${String(running)} running, ` +
        `${String(needPids)} more are needed (three per host): raise pids.max (a container's --pids-limit)`,
    );
  }
  // every connection goes to another address, so the ports may repeat; a tiny range still fails at once
  const range = fs.existsSync('/proc/sys/net/ipv4/ip_local_port_range')
    ? fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    : [];
  const [low, high] = range;
  if (low !== undefined && high !== undefined && high - low + 1 < hosts) {
    problems.push(
      `local ports: net.ipv4.ip_local_port_range is ${String(low)}-${String(high)}, fewer than ${String(hosts)} ` +
        `ports: \`sysctl -w net.ipv4.ip_local_port_range="32768 60999"\``,
    );
  }
  return problems;
};
