// Private OpenSSH servers on loopback for the benchmarks, in plain Node (no build, no tsx): the minimum of
// spec/helpers/sshd.ts, whose notes on OpenSSH apply here too. A fleet is N "hosts" 127.0.0.2, 127.0.0.3, ...
// on one free port, one `sshd -D` per block of 16 addresses (OpenSSH's MAX_LISTEN_SOCKS), keys, configs, logs
// and the sessions' empty HOME in a temp dir. `stop()` kills the listeners and everything below them
// (connections, commands) and removes the dir; a fleet not stopped is killed when the process exits. Linux
// only (reads /proc).
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const MAX_LISTEN_SOCKS = 16;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const findProgram = (name, preferred = []) =>
  [
    ...preferred,
    ...(process.env.PATH ?? '')
      .split(':')
      .filter(Boolean)
      .map((d) => path.join(d, name)),
  ].find((p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  });

const readProc = (pid) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    return { pid, state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
};

/** The live processes below `roots`, roots excluded. */
export const descendants = (roots) => {
  const children = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p === undefined || p.state === 'Z') continue;
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(p.pid);
  }
  const found = [];
  const queue = [...roots];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
};

const kill = (pid, sig) => {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
};

/** SIGSTOPs the trees (until no new process appears), then SIGKILLs them all. */
const killTreesSync = (roots) => {
  const frozen = new Set();
  for (let round = 0; round < 50; round++) {
    const live = roots.filter((pid) => readProc(pid) !== undefined);
    const fresh = [...live, ...descendants(live)].filter((pid) => !frozen.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      kill(pid, 'SIGSTOP');
      frozen.add(pid);
    }
  }
  for (const pid of frozen) kill(pid, 'SIGKILL');
  return [...frozen];
};

const listenOn = (host, port) =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });

const freePort = async (addresses) => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const servers = [await listenOn(addresses[0], 0)];
    const { port } = servers[0].address();
    let free = true;
    try {
      for (const a of addresses.slice(1)) servers.push(await listenOn(a, port));
    } catch {
      free = false;
    } finally {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
    }
    if (free) return port;
  }
  throw new Error('sshd-fleet: no port free on every address');
};

/** True when host:port sends an SSH banner (answers with a client banner so that sshd logs nothing). */
const probeBanner = (host, port, timeoutMs = 2000) =>
  new Promise((resolve) => {
    let received = '';
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.removeAllListeners('data');
      if (ok) socket.end('SSH-2.0-rxjobs_bench_probe\r\n');
      else socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('close', () => resolve(false));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\n')) done(received.split('\n').some((l) => l.startsWith('SSH-')));
    });
  });

const live = new Set();
let hooked = false;

/**
 * Starts the fleet. Options: `hosts` (1 to 253), `maxStartups` ('1000:30:1000'), `maxSessions`, `kex`,
 * `extraConfig` (lines). Resolves to { dir, hosts: [{ address, port }], port, user, clientKey, knownHosts,
 * home, sshdPids(), stop() }.
 */
export async function startFleet(options = {}) {
  const count = options.hosts ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 253)
    throw new Error('sshd-fleet: hosts must be 1 to 253');
  const sshd = process.env.RXJOBS_SSHD ?? findProgram('sshd', ['/usr/sbin/sshd']);
  const keygen = findProgram('ssh-keygen', ['/usr/bin/ssh-keygen']);
  if (sshd === undefined || keygen === undefined)
    throw new Error('sshd-fleet: OpenSSH is not installed (apt-get install openssh-server openssh-client)');
  if (process.getuid?.() === 0 && !fs.existsSync('/run/sshd')) fs.mkdirSync('/run/sshd', { mode: 0o755 });

  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rxjobs-bench-sshd-'));
  const file = (name) => path.join(dir, name);
  const home = file('home');
  await fsp.mkdir(home, { mode: 0o755 });
  for (const key of ['host_ed25519_key', 'client_ed25519_key'])
    execFileSync(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', `rxjobs-bench-${key}`, '-f', file(key)]);
  fs.copyFileSync(file('client_ed25519_key.pub'), file('authorized_keys'));
  const [keyType, keyBase64] = fs.readFileSync(file('host_ed25519_key.pub'), 'utf8').trim().split(/\s+/);
  const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
  const blocks = [];
  for (let i = 0; i < addresses.length; i += MAX_LISTEN_SOCKS)
    blocks.push(addresses.slice(i, i + MAX_LISTEN_SOCKS));

  const state = { dir, listeners: [], stopped: false };
  live.add(state);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const s of live) {
        killTreesSync(s.listeners.map((l) => l.pid));
        fs.rmSync(s.dir, { recursive: true, force: true });
      }
    });
  }

  const configText = (block, port) =>
    [
      '# written by bench/sshd-fleet.mjs',
      ...(options.extraConfig ?? []),
      ...blocks[block].map((a) => `ListenAddress ${a}:${port}`),
      `HostKey "${file('host_ed25519_key')}"`,
      `AuthorizedKeysFile "${file('authorized_keys')}"`,
      'StrictModes no',
      'UsePAM no',
      'UseDNS no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      'PrintMotd no',
      'PrintLastLog no',
      `PidFile "${file(`sshd-${block}.pid`)}"`,
      `SetEnv "HOME=${home}"`,
      ...(options.maxStartups === undefined ? [] : [`MaxStartups ${options.maxStartups}`]),
      ...(options.maxSessions === undefined ? [] : [`MaxSessions ${options.maxSessions}`]),
      ...(options.kex === undefined ? [] : [`KexAlgorithms ${options.kex}`]),
      '',
    ].join('\n');

  let port;
  try {
    for (let attempt = 1; ; attempt++) {
      port = await freePort(addresses);
      const started = blocks.map((_, block) => {
        const config = file(`sshd_config-${block}`);
        fs.writeFileSync(config, configText(block, port), { mode: 0o600 });
        execFileSync(sshd, ['-t', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
        const log = file(`sshd-${block}.log`);
        const fd = fs.openSync(log, 'a');
        const from = fs.fstatSync(fd).size;
        const child = spawn(sshd, ['-D', '-e', '-f', config], { stdio: ['ignore', fd, fd] });
        fs.closeSync(fd);
        child.unref();
        child.on('error', () => undefined);
        return { pid: child.pid, child, log, from, block };
      });
      state.listeners.push(...started);
      const logOf = (l) => fs.readFileSync(l.log).subarray(l.from).toString('utf8');
      const bindFailed = () =>
        started.some((l) =>
          /Bind to port .* failed|Cannot bind any address|Address already in use/.test(logOf(l)),
        );
      const dead = () => started.find((l) => l.child.exitCode !== null || l.child.signalCode !== null);
      const pending = [...addresses];
      const deadline = performance.now() + 10_000 + 40 * count;
      let portTaken = false;
      const prober = async () => {
        for (let a = pending.shift(); a !== undefined; a = pending.shift()) {
          while (!(await probeBanner(a, port))) {
            if (bindFailed()) {
              portTaken = true;
              pending.length = 0;
              return;
            }
            const d = dead();
            if (d !== undefined) throw new Error(`sshd-fleet: sshd exited while starting:\n${logOf(d)}`);
            if (performance.now() > deadline) throw new Error(`sshd-fleet: ${a}:${port} sent no banner`);
            await sleep(50);
          }
        }
      };
      await Promise.all(Array.from({ length: 4 }, prober));
      if (!portTaken && !bindFailed()) break;
      killTreesSync(started.map((l) => l.pid));
      state.listeners = state.listeners.filter((l) => !started.includes(l));
      if (attempt >= 5) throw new Error('sshd-fleet: the port was taken five times in a row');
    }
  } catch (e) {
    killTreesSync(state.listeners.map((l) => l.pid));
    live.delete(state);
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  // let the probes' connection processes exit
  for (let i = 0; i < 150 && descendants(state.listeners.map((l) => l.pid)).length > 0; i++) await sleep(20);

  const knownHosts = file('known_hosts');
  fs.writeFileSync(knownHosts, addresses.map((a) => `[${a}]:${port} ${keyType} ${keyBase64}\n`).join(''));
  return {
    dir,
    hosts: addresses.map((address) => ({ address, port })),
    port,
    user: os.userInfo().username,
    clientKey: file('client_ed25519_key'),
    knownHosts,
    home,
    sshdPids: () => state.listeners.map((l) => l.pid),
    async stop() {
      if (state.stopped) return;
      state.stopped = true;
      const killed = killTreesSync(state.listeners.map((l) => l.pid));
      for (
        let i = 0;
        i < 100 && killed.some((pid) => readProc(pid)?.state !== undefined && readProc(pid).state !== 'Z');
        i++
      )
        await sleep(20);
      live.delete(state);
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}
