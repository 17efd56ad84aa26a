/**
 * Private OpenSSH servers on loopback for the end-to-end tests: their own config, keys and ports in a temp
 * dir; never the system's sshd, never ~/.ssh.
 *
 * A fleet is N "hosts" 127.0.0.2, 127.0.0.3, ... sharing one free port, served by one `sshd -D` per block of
 * 16 addresses (OpenSSH's MAX_LISTEN_SOCKS), with keys, config, logs and the sessions' HOME in a temp dir.
 * As root, the login user is root; as any other user, sshd runs unprivileged and only that user can log in.
 *
 * Process model (`sshd -D`): the listener is our child; each connection is a child of the listener (with a
 * privilege-separated grandchild before authentication), and remote commands run below it. Processes whose
 * listener was killed are remembered so that `stop()` still kills them. A forgotten fleet is killed when
 * the test process exits. `$RXJOBS_SSHD` names another sshd binary (the tests use it to check the message
 * given when sshd is missing).
 *
 * Linux only (reads /proc). Killed sshd processes whose parent is gone wait as zombies until init reaps
 * them; on some machines (a VM whose pid 1 is not a real init) that takes a second or two.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** One loopback "host" of a fleet. */
export interface FleetHost {
  readonly address: string;
  readonly port: number;
  readonly label: string;
}

/** Private sshd servers started by {@link startFleet}; `stop()` them in `after()`. */
export interface Fleet {
  /** The temp dir holding keys, config, logs and `home/`; removed by `stop()`. */
  readonly dir: string;
  readonly hosts: readonly FleetHost[];
  /** The port every host listens on. */
  readonly port: number;
  /** The login user: the current user. */
  readonly user: string;
  /** A private ed25519 key (no passphrase) authorized on every host. */
  readonly clientKey: string;
  /** With `clientKeyPassphrase`: a second authorized key, protected by that passphrase. */
  readonly clientKeyProtected?: string;
  /** A private ed25519 key that no host accepts. */
  readonly wrongKey: string;
  /** A known_hosts file with one `[address]:port ssh-ed25519 ...` line per host (the key at start). */
  readonly knownHosts: string;
  /** `SHA256:<base64>` of the current host key (changes with {@link rotateHostKey}). */
  readonly hostKeyFingerprint: string;
  /** The sessions' HOME (`SetEnv HOME=...`), an empty dir so that no ~/.bashrc runs. */
  readonly home: string;
  /** Kills every sshd (and everything below them), waits for their exit and removes `dir`. Idempotent. */
  stop(): Promise<void>;
  /** The pids of the live listener processes (one per block of 16 hosts). */
  sshdPids(): number[];
}

/** Options of {@link startFleet}; every server setting keeps OpenSSH's default unless given. */
export interface FleetOptions {
  /** How many hosts (127.0.0.2, 127.0.0.3, ...), 1 to 253; default 1. */
  hosts?: number;
  /** `MaxStartups` (e.g. `'1000:30:1000'`); default: OpenSSH's 10:30:100. */
  maxStartups?: string;
  /** `MaxSessions` (channels per connection); default: OpenSSH's 10. */
  maxSessions?: number;
  /** `KexAlgorithms`, e.g. `'curve25519-sha256'`. */
  kex?: string;
  /**
   * More sshd_config lines. They come before the harness's own lines (sshd keeps the first value of an
   * option, so they override), except from a `Match` line on, which goes last; `SetEnv` values are merged
   * into the harness's single `SetEnv` line (sshd reads only the first one), after `HOME=...`.
   */
  extraConfig?: readonly string[];
  /** Also make `clientKeyProtected`, an authorized key encrypted with this passphrase. */
  clientKeyPassphrase?: string;
  /**
   * Also accept this password for the login user. Root only: each sshd then runs in a mount namespace of its
   * own (`unshare`), where a private file holding the password's hash is mounted over /etc/shadow; the
   * machine's /etc/shadow is never read or written.
   */
  password?: string;
}

const MAX_LISTEN_SOCKS = 16;
const INSTALL_HINT =
  'run `bash scripts/install-deps.sh` (or `apt-get install openssh-server openssh-client`)';

// ---------------------------------------------------------------------------------------------------------
// programs

const findProgram = (name: string, preferred: readonly string[]): string | undefined => {
  const onPath = (process.env['PATH'] ?? '')
    .split(path.delimiter)
    .filter((d) => d !== '')
    .map((d) => path.join(d, name));
  return [...preferred, ...onPath].find((candidate) => {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return fs.statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
};

/** The sshd binary: `$RXJOBS_SSHD` when set, else /usr/sbin/sshd, else `sshd` on PATH; throws how to install. */
const sshdProgram = (): string => {
  const override = process.env['RXJOBS_SSHD'] ?? '';
  const found =
    override === ''
      ? findProgram('sshd', ['/usr/sbin/sshd'])
      : findProgram(path.basename(override), [override]);
  if (found === undefined || (override !== '' && found !== override)) {
    const where = override === '' ? 'no /usr/sbin/sshd, no sshd on PATH' : `no ${override}`;
    throw new Error(`sshd harness: the OpenSSH server is not installed (${where}): ${INSTALL_HINT}`);
  }
  return path.resolve(found);
};

const program = (name: string, pkg: string): string => {
  const found = findProgram(name, [`/usr/bin/${name}`, `/bin/${name}`, `/usr/sbin/${name}`]);
  if (found === undefined) {
    throw new Error(
      `sshd harness: \`${name}\` not found: run \`bash scripts/install-deps.sh\` (or \`apt-get install ${pkg}\`)`,
    );
  }
  return found;
};

interface Output {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end; a non-zero exit is a result, a spawn failure or a timeout rejects. */
const run = (file: string, args: readonly string[], timeoutMs = 10_000): Promise<Output> =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) {
        resolve({ code: 0, stdout, stderr });
      } else if (typeof error.code === 'number' && !error.killed) {
        resolve({ code: error.code, stdout, stderr });
      } else {
        reject(new Error(`sshd harness: ${file} ${args.join(' ')}: ${error.message}`, { cause: error }));
      }
    });
  });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `intervalMs` until it is true or `timeoutMs` passed; returns the last answer. */
const waitUntil = async (check: () => boolean, timeoutMs: number, intervalMs = 20): Promise<boolean> => {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (performance.now() >= deadline) return false;
    await sleep(intervalMs);
  }
};

// ---------------------------------------------------------------------------------------------------------
// processes, from /proc (Linux), synchronous so that the exit hook can use them too

interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly state: string;
  /** Start time in clock ticks since boot: (pid, start) names a process even after pid reuse. */
  readonly start: string;
}

const readProc = (pid: number): Proc | undefined => {
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

const processTable = (): Proc[] =>
  fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProc(Number(name)))
    .filter((p): p is Proc => p !== undefined);

/** Alive: exists, is the same process (start time) and is not a zombie. */
const isAlive = (ref: Pick<Proc, 'pid' | 'start'>): boolean => {
  const p = readProc(ref.pid);
  return p !== undefined && p.start === ref.start && p.state !== 'Z';
};

/** The live processes below `roots` (not the roots themselves). */
const descendantsOf = (roots: readonly number[], table: readonly Proc[]): Proc[] => {
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

const signal = (pid: number, sig: NodeJS.Signals): void => {
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
const freezeTrees = (roots: readonly Proc[], include: (p: Proc) => boolean = () => true): Proc[] => {
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

// ---------------------------------------------------------------------------------------------------------
// fleet state

interface Listener {
  readonly block: number;
  readonly child: ChildProcess;
  readonly proc: Proc;
  readonly addresses: readonly string[];
  readonly log: string;
  /** Where this start's part of `log` begins. */
  readonly logFrom: number;
}

interface FleetState {
  readonly sshd: string;
  readonly dir: string;
  readonly addresses: readonly string[];
  readonly options: FleetOptions;
  readonly hostKey: string;
  /** With `options.password`: the private shadow file mounted over /etc/shadow in sshd's namespace. */
  readonly shadow?: string | undefined;
  port: number;
  fingerprint: string;
  listeners: Listener[];
  /** Processes left by killed or restarted listeners (connections), reaped by `stop()`. */
  orphans: Proc[];
  generation: number;
  stopped: boolean;
}

const states = new WeakMap<Fleet, FleetState>();
const live = new Set<FleetState>();
let exitHookInstalled = false;

const stateOf = (fleet: Fleet): FleetState => {
  const state = states.get(fleet);
  if (state === undefined) throw new Error('sshd harness: not a fleet from startFleet()');
  if (state.stopped) throw new Error('sshd harness: this fleet is stopped');
  return state;
};

/** Last resort when a test forgot `stop()` or mocha exits early: SIGKILL everything, remove the dirs. */
const killAllSync = (): void => {
  for (const state of live) {
    for (const p of freezeTrees([...state.listeners.map((l) => l.proc), ...state.orphans])) {
      signal(p.pid, 'SIGKILL');
    }
    fs.rmSync(state.dir, { recursive: true, force: true });
  }
  live.clear();
};

// ---------------------------------------------------------------------------------------------------------
// keys and config

/** Writes a shadow file whose one entry gives the current user `password` (SHA-512 crypt, by openssl). */
const shadowFile = async (file: string, password: string): Promise<string> => {
  if (process.getuid?.() !== 0) {
    throw new Error('sshd harness: `password` needs root (sshd checks passwords against /etc/shadow)');
  }
  const out = await run(program('openssl', 'openssl'), ['passwd', '-6', password]);
  const hash = out.stdout.trim();
  if (out.code !== 0 || !hash.startsWith('$6$')) {
    throw new Error(`sshd harness: openssl passwd failed: ${out.stderr.trim()}`);
  }
  // user:hash:last change (days):min:max:warn:::
  await fsp.writeFile(file, `${os.userInfo().username}:${hash}:19000:0:99999:7:::\n`, { mode: 0o600 });
  return file;
};

const keygen = async (file: string, passphrase = ''): Promise<void> => {
  const out = await run(program('ssh-keygen', 'openssh-client'), [
    '-q',
    '-t',
    'ed25519',
    '-N',
    passphrase,
    '-C',
    `rxjobs-test-${path.basename(file)}`,
    '-f',
    file,
  ]);
  if (out.code !== 0) throw new Error(`sshd harness: ssh-keygen ${file} failed: ${out.stderr.trim()}`);
};

/** `type base64` of a public key file. */
const publicKey = async (file: string): Promise<{ type: string; base64: string }> => {
  const [type = '', base64 = ''] = (await fsp.readFile(`${file}.pub`, 'utf8')).trim().split(/\s+/);
  return { type, base64 };
};

const fingerprintOf = (base64: string): string =>
  `SHA256:${createHash('sha256').update(Buffer.from(base64, 'base64')).digest('base64').replace(/=+$/, '')}`;

const quote = (value: string): string => {
  if (/["\n]/.test(value))
    throw new Error(`sshd harness: cannot put ${JSON.stringify(value)} in sshd_config`);
  return `"${value}"`;
};

const configText = (state: FleetState, block: number, addresses: readonly string[]): string => {
  const { options, dir } = state;
  const extra = options.extraConfig ?? [];
  const matchAt = extra.findIndex((line) => /^\s*match\s/i.test(line));
  const head = matchAt < 0 ? extra : extra.slice(0, matchAt);
  const tail = matchAt < 0 ? [] : extra.slice(matchAt);
  const isSetEnv = (line: string): boolean => /^\s*setenv\s/i.test(line);
  const setEnv = [
    quote(`HOME=${path.join(dir, 'home')}`),
    ...head.filter(isSetEnv).map((l) => l.trim().slice(6).trim()),
  ];
  return [
    '# written by spec/helpers/sshd.ts',
    ...head.filter((line) => !isSetEnv(line)),
    ...addresses.map((a) => `ListenAddress ${a}:${String(state.port)}`),
    `HostKey ${quote(state.hostKey)}`,
    `AuthorizedKeysFile ${quote(path.join(dir, 'authorized_keys'))}`,
    'StrictModes no',
    'UsePAM no',
    'UseDNS no',
    `PasswordAuthentication ${state.shadow === undefined ? 'no' : 'yes'}`,
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    `PermitRootLogin ${state.shadow === undefined ? 'prohibit-password' : 'yes'}`,
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
    'PrintMotd no',
    'PrintLastLog no',
    `PidFile ${quote(path.join(dir, `sshd-${String(block)}.pid`))}`,
    `SetEnv ${setEnv.join(' ')}`,
    ...(options.maxStartups === undefined ? [] : [`MaxStartups ${options.maxStartups}`]),
    ...(options.maxSessions === undefined ? [] : [`MaxSessions ${String(options.maxSessions)}`]),
    ...(options.kex === undefined ? [] : [`KexAlgorithms ${options.kex}`]),
    ...tail,
    '',
  ].join('\n');
};

const blocksOf = (addresses: readonly string[]): string[][] => {
  const blocks: string[][] = [];
  for (let i = 0; i < addresses.length; i += MAX_LISTEN_SOCKS) {
    blocks.push(addresses.slice(i, i + MAX_LISTEN_SOCKS));
  }
  return blocks;
};

// ---------------------------------------------------------------------------------------------------------
// ports and probes

const listenOn = (host: string, port: number): Promise<net.Server> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      resolve(server);
    });
  });

const closeServer = (server: net.Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
  });

/** A port that is free on every address (bound then released: another process may still take it). */
const freePort = async (addresses: readonly string[]): Promise<number> => {
  const [first = '127.0.0.2', ...rest] = addresses;
  for (let attempt = 0; attempt < 50; attempt++) {
    const servers = [await listenOn(first, 0)];
    const port = (servers[0]?.address() as net.AddressInfo).port;
    let free = true;
    try {
      for (const address of rest) servers.push(await listenOn(address, port));
    } catch {
      free = false;
    } finally {
      await Promise.all(servers.map(closeServer));
    }
    if (free) return port;
  }
  throw new Error(`sshd harness: no port free on all of ${addresses.join(', ')}`);
};

/**
 * Resolves true when `host:port` sends an SSH banner; false on refusal, timeout or another answer (such as
 * "Exceeded MaxStartups"). It answers with a client banner before closing, so that sshd logs nothing.
 */
const probeBanner = (host: string, port: number, timeoutMs = 2000): Promise<boolean> =>
  new Promise((resolve) => {
    let received = '';
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.removeAllListeners('data');
      if (ok) socket.end('SSH-2.0-rxjobs_harness_probe\r\n');
      else socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => {
      done(false);
    });
    socket.on('error', () => {
      done(false);
    });
    socket.on('close', () => {
      resolve(false);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!received.includes('\n')) return;
      done(received.split('\n').some((line) => line.startsWith('SSH-')));
    });
  });

// ---------------------------------------------------------------------------------------------------------
// listeners

/** A listener failed because its port was taken meanwhile: start again on another port. */
class PortTaken extends Error {
  override readonly name = 'PortTaken';
}

/** What the listener's sshd wrote to its log since it started (the log is shared by restarts). */
const readLog = (l: Pick<Listener, 'log' | 'logFrom'>): string => {
  try {
    return fs.readFileSync(l.log).subarray(l.logFrom).toString('utf8');
  } catch {
    return '';
  }
};

const tail = (text: string, lines = 20): string => {
  const last = text.trimEnd().split('\n').slice(-lines).join('\n');
  return last === '' ? '(empty log)' : last;
};

const bindFailed = (l: Listener): boolean =>
  /Bind to port .* failed|Cannot bind any address|Address already in use/.test(readLog(l));

const exited = (l: Listener): boolean => l.child.exitCode !== null || l.child.signalCode !== null;

/** SIGKILLs the processes (already frozen or not) and waits, bounded, until none is alive. */
const killAndWait = async (procs: readonly Proc[], timeoutMs = 5000): Promise<void> => {
  for (const p of procs) signal(p.pid, 'SIGKILL');
  await waitUntil(() => procs.every((p) => !isAlive(p)), timeoutMs);
};

/** Kills listeners, remembering what runs below them (connections) as orphans for `stop()`. */
const dropListeners = async (state: FleetState, which: readonly Listener[]): Promise<void> => {
  const frozen = freezeTrees(which.map((l) => l.proc));
  const roots = new Set(which.map((l) => l.proc.pid));
  state.orphans.push(...frozen.filter((p) => !roots.has(p.pid)));
  state.listeners = state.listeners.filter((l) => !which.includes(l));
  for (const p of frozen) {
    if (roots.has(p.pid)) signal(p.pid, 'SIGKILL');
    else signal(p.pid, 'SIGCONT');
  }
  await waitUntil(() => which.every(exited), 5000);
};

const spawnListener = (state: FleetState, block: number, addresses: readonly string[]): Listener => {
  const config = path.join(state.dir, `sshd_config-${String(block)}`);
  const log = path.join(state.dir, `sshd-${String(block)}.log`);
  const fd = fs.openSync(log, 'a');
  const logFrom = fs.fstatSync(fd).size;
  let child: ChildProcess;
  try {
    fs.appendFileSync(fd, `--- start ${String(state.generation)} on port ${String(state.port)}\n`);
    const args = ['-D', '-e', '-f', config];
    // with a password: the same pid becomes sshd (unshare and sh exec), in a namespace of its own where the
    // private shadow file is mounted over /etc/shadow
    child =
      state.shadow === undefined
        ? spawn(state.sshd, args, { stdio: ['ignore', fd, fd] })
        : spawn(
            program('unshare', 'util-linux'),
            [
              '--mount',
              '--propagation',
              'private',
              '/bin/sh',
              '-c',
              'mount --bind "$0" /etc/shadow && exec "$@"',
              state.shadow,
              state.sshd,
              ...args,
            ],
            { stdio: ['ignore', fd, fd] },
          );
  } finally {
    fs.closeSync(fd);
  }
  child.on('error', (error) => {
    fs.appendFileSync(log, `spawn error: ${error.message}\n`);
  });
  child.unref(); // a forgotten fleet must not keep mocha alive: the exit hook kills it
  const proc = child.pid === undefined ? undefined : readProc(child.pid);
  if (proc === undefined) {
    throw new Error(`sshd harness: ${state.sshd} did not start:\n${tail(readLog({ log, logFrom }))}`);
  }
  return { block, child, proc, addresses, log, logFrom };
};

/** Writes and checks the configs, starts one listener per block and waits for every banner. */
const launch = async (state: FleetState): Promise<void> => {
  state.generation += 1;
  const blocks = blocksOf(state.addresses);
  await Promise.all(
    blocks.map(async (addresses, block) => {
      const config = path.join(state.dir, `sshd_config-${String(block)}`);
      await fsp.writeFile(config, configText(state, block, addresses), { mode: 0o600 });
      const check = await run(state.sshd, ['-t', '-f', config]);
      if (check.code !== 0) {
        throw new Error(
          `sshd harness: \`sshd -t -f ${config}\` rejected the config:\n${check.stderr.trim()}`,
        );
      }
    }),
  );
  const started = blocks.map((addresses, block) => spawnListener(state, block, addresses));
  state.listeners.push(...started);

  const deadline = performance.now() + 10_000 + 40 * state.addresses.length;
  const failure = (): Error | undefined => {
    const taken = started.find(bindFailed);
    if (taken !== undefined) return new PortTaken(tail(readLog(taken)));
    const dead = started.find(exited);
    if (dead === undefined) return undefined;
    return new Error(
      `sshd harness: sshd (pid ${String(dead.proc.pid)}) exited with ${String(dead.child.exitCode ?? dead.child.signalCode)} ` +
        `while starting on ${dead.addresses.join(', ')} port ${String(state.port)}:\n${tail(readLog(dead))}`,
    );
  };
  const startups = Number.parseInt(state.options.maxStartups ?? '10', 10);
  const pending = [...state.addresses];
  const prober = async (): Promise<void> => {
    for (let address = pending.shift(); address !== undefined; address = pending.shift()) {
      for (;;) {
        const error = failure();
        if (error !== undefined) throw error;
        if (await probeBanner(address, state.port)) break;
        if (performance.now() > deadline) {
          const l = started.find((x) => x.addresses.includes(address));
          throw new Error(
            `sshd harness: ${address}:${String(state.port)} sent no SSH banner within the start-up time:\n` +
              (l === undefined ? '' : tail(readLog(l))),
          );
        }
        await sleep(50);
      }
    }
  };
  try {
    const probers = Math.max(1, Math.min(4, Number.isNaN(startups) ? 4 : startups));
    await Promise.all(Array.from({ length: probers }, prober));
    // another server may have answered for an address this sshd failed to bind
    const error = failure();
    if (error !== undefined) throw error;
  } catch (error) {
    pending.length = 0;
    await dropListeners(state, started);
    throw error;
  }
  // let the probes' connection processes exit, so that tests start from zero connections and startups
  await waitUntil(
    () =>
      descendantsOf(
        started.map((l) => l.proc.pid),
        processTable(),
      ).length === 0,
    3000,
  );
};

// ---------------------------------------------------------------------------------------------------------
// public API

/**
 * Starts private sshd servers: `hosts` loopback addresses (127.0.0.2, ...) on one free port, one sshd per
 * block of 16, with fresh keys. Throws, saying how to install it, when OpenSSH is missing.
 *
 * @example
 * let fleet: Fleet;
 * before(async () => { fleet = await startFleet({ hosts: 3 }); });
 * after(() => fleet.stop());
 */
export const startFleet = async (options: FleetOptions = {}): Promise<Fleet> => {
  const count = options.hosts ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 253) {
    throw new Error(`sshd harness: hosts must be 1 to 253 (127.0.0.2 to 127.0.0.254), not ${String(count)}`);
  }
  const sshd = sshdProgram();
  program('ssh-keygen', 'openssh-client');
  const isRoot = process.getuid?.() === 0;
  if (isRoot && !fs.existsSync('/run/sshd')) fs.mkdirSync('/run/sshd', { mode: 0o755, recursive: true });

  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rxjobs-sshd-'));
  try {
    const home = path.join(dir, 'home');
    await fsp.mkdir(home, { mode: 0o755 });
    const file = (name: string): string => path.join(dir, name);
    const passphrase = options.clientKeyPassphrase;
    await Promise.all([
      keygen(file('host_ed25519_key')),
      keygen(file('client_ed25519_key')),
      keygen(file('wrong_ed25519_key')),
      ...(passphrase === undefined ? [] : [keygen(file('protected_ed25519_key'), passphrase)]),
    ]);
    const authorized = [
      file('client_ed25519_key'),
      ...(passphrase === undefined ? [] : [file('protected_ed25519_key')]),
    ];
    const pubs = await Promise.all(authorized.map((k) => fsp.readFile(`${k}.pub`, 'utf8')));
    await fsp.writeFile(file('authorized_keys'), pubs.join(''), { mode: 0o600 });
    const shadow =
      options.password === undefined ? undefined : await shadowFile(file('shadow'), options.password);

    const addresses = Array.from({ length: count }, (_, i) => `127.0.0.${String(i + 2)}`);
    const hostKey = await publicKey(file('host_ed25519_key'));
    const state: FleetState = {
      sshd,
      dir,
      addresses,
      options,
      hostKey: file('host_ed25519_key'),
      shadow,
      port: 0,
      fingerprint: fingerprintOf(hostKey.base64),
      listeners: [],
      orphans: [],
      generation: 0,
      stopped: false,
    };
    if (!exitHookInstalled) {
      process.once('exit', killAllSync);
      exitHookInstalled = true;
    }
    live.add(state);
    for (let attempt = 1; ; attempt++) {
      state.port = await freePort(addresses);
      try {
        await launch(state);
        break;
      } catch (error) {
        if (!(error instanceof PortTaken) || attempt >= 5) throw error;
      }
    }
    const knownHosts = file('known_hosts');
    await fsp.writeFile(
      knownHosts,
      addresses.map((a) => `[${a}]:${String(state.port)} ${hostKey.type} ${hostKey.base64}\n`).join(''),
    );

    const fleet: Fleet = {
      dir,
      hosts: addresses.map((address, i) => ({ address, port: state.port, label: `host${String(i + 1)}` })),
      port: state.port,
      user: os.userInfo().username,
      clientKey: file('client_ed25519_key'),
      ...(passphrase === undefined ? {} : { clientKeyProtected: file('protected_ed25519_key') }),
      wrongKey: file('wrong_ed25519_key'),
      knownHosts,
      get hostKeyFingerprint() {
        return state.fingerprint;
      },
      home,
      stop: () => stopFleet(state),
      sshdPids: () => state.listeners.filter((l) => !exited(l)).map((l) => l.proc.pid),
    };
    states.set(fleet, state);
    return fleet;
  } catch (error) {
    const state = [...live].find((s) => s.dir === dir);
    if (state !== undefined) await stopFleet(state);
    else await fsp.rm(dir, { recursive: true, force: true });
    throw error;
  }
};

const stopFleet = async (state: FleetState): Promise<void> => {
  if (state.stopped) return;
  state.stopped = true;
  const frozen = freezeTrees([...state.listeners.map((l) => l.proc), ...state.orphans]);
  await killAndWait(frozen);
  await waitUntil(() => state.listeners.every(exited), 2000);
  live.delete(state);
  await fsp.rm(state.dir, { recursive: true, force: true });
};

/**
 * The ESTABLISHED TCP connections to the fleet's hosts, counted on the server side (`ss`), including those
 * not yet accepted by sshd.
 */
export const sshdConnections = async (fleet: Fleet): Promise<number> => {
  const state = stateOf(fleet);
  const out = await run(program('ss', 'iproute2'), [
    '-Htn',
    'state',
    'established',
    `( sport = :${String(state.port)} )`,
  ]);
  if (out.code !== 0) throw new Error(`sshd harness: ss failed: ${out.stderr.trim()}`);
  const addresses = new Set(state.addresses);
  return out.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[2] ?? '')
    .filter((local) => addresses.has(local.slice(0, local.lastIndexOf(':')))).length;
};

/**
 * The pids of the processes whose command line contains `marker` (`pgrep -f`, the marker taken literally),
 * leaving out local ones: this process, its ancestors and its descendants not started through an sshd
 * (such as an `ssh` client whose command line holds the marker). Processes that outlived their sshd count.
 */
export const remoteProcesses = async (marker: string): Promise<number[]> => {
  const pattern = marker.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  const out = await run(program('pgrep', 'procps'), ['-f', '--', pattern]);
  if (out.code === 1) return [];
  if (out.code !== 0) throw new Error(`sshd harness: pgrep failed: ${out.stderr.trim()}`);
  const ancestors = new Set<number>();
  for (let p = readProc(process.pid); p !== undefined && p.pid > 1; p = readProc(p.ppid)) {
    ancestors.add(p.pid);
  }
  const isLocal = (pid: number): boolean => {
    if (ancestors.has(pid) || (readProc(pid)?.state ?? 'Z') === 'Z') return true; // ours, or dead already
    for (let p = readProc(pid); p !== undefined && p.pid > 1; p = readProc(p.ppid)) {
      if (p.comm === 'sshd') return false;
      if (p.pid === process.pid) return true;
    }
    return false;
  };
  return out.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number)
    .filter((pid) => !isLocal(pid));
};

/** A TCP server on 127.0.0.1 that accepts connections and never writes (connect-timeout tests). */
export const blackHole = async (): Promise<{ host: string; port: number; close(): Promise<void> }> => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume(); // read and drop what the client says
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
};

/** A loopback port (127.0.0.1) with nothing listening: connecting is refused. */
export const refusedPort = async (): Promise<number> => {
  const server = await listenOn('127.0.0.1', 0);
  const { port } = server.address() as net.AddressInfo;
  await closeServer(server);
  return port;
};

/**
 * SIGKILLs the listener sshd serving block `index` (hosts 16*index ... 16*index+15) and waits for its exit:
 * its hosts refuse new connections, while established connections (its children) live on until `stop()`
 * or {@link killConnectionProcesses}. Resolves to the killed pid.
 */
export const killSshd = async (fleet: Fleet, index = 0): Promise<number> => {
  const state = stateOf(fleet);
  const listener = state.listeners.find((l) => l.block === index);
  if (listener === undefined) throw new Error(`sshd harness: no live sshd for block #${String(index)}`);
  await dropListeners(state, [listener]);
  return listener.proc.pid;
};

/**
 * The pids holding a TCP socket (not listening) whose local end is `address:port` (`ss -p`): on the server
 * side, the per-connection processes serving that address.
 */
const socketHolders = async (address: string, port: number): Promise<Set<number>> => {
  const out = await run(program('ss', 'iproute2'), ['-Htnp', `( src ${address}:${String(port)} )`]);
  if (out.code !== 0) throw new Error(`sshd harness: ss failed: ${out.stderr.trim()}`);
  return new Set([...out.stdout.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])));
};

/** The sshd processes of the connections served on `address`: each holder's connection tree, from its root. */
const connectionsOf = async (state: FleetState, address: string): Promise<Proc[]> => {
  if (!state.addresses.includes(address)) {
    throw new Error(`sshd harness: ${address} is not a host of this fleet (${state.addresses.join(', ')})`);
  }
  const holders = await socketHolders(address, state.port);
  const listeners = new Set(state.listeners.map((l) => l.proc.pid));
  const table = processTable();
  const candidates = new Map(
    [
      ...descendantsOf([...listeners], table),
      ...state.orphans.filter(isAlive).map((o) => table.find((p) => p.pid === o.pid) ?? o),
    ]
      .filter((p) => p.comm === 'sshd' && !listeners.has(p.pid))
      .map((p) => [p.pid, p]),
  );
  const roots = new Map<number, Proc>();
  for (const pid of holders) {
    let p = candidates.get(pid);
    if (p === undefined) continue; // not one of this fleet's connection processes
    for (let up = candidates.get(p.ppid); up !== undefined; up = candidates.get(up.ppid)) p = up;
    roots.set(p.pid, p);
  }
  return [...roots.values()];
};

/**
 * SIGKILLs the per-connection sshd processes (children of the listeners, and those left by killed
 * listeners), so that every established connection dies while the listeners keep accepting. Remote
 * commands below them are not signalled (as when a server's sshd crashes). With `address` (one of the
 * fleet's hosts), only the connections to that host die; the others are not touched. Resolves to how many
 * it killed.
 */
export const killConnectionProcesses = async (fleet: Fleet, address?: string): Promise<number> => {
  const state = stateOf(fleet);
  if (address !== undefined) {
    const victims = freezeTrees(await connectionsOf(state, address), (p) => p.comm === 'sshd');
    await killAndWait(victims);
    state.orphans = state.orphans.filter(isAlive);
    return victims.length;
  }
  const listeners = new Set(state.listeners.map((l) => l.proc.pid));
  const frozen = freezeTrees(
    [...state.listeners.map((l) => l.proc), ...state.orphans],
    (p) => p.comm === 'sshd',
  );
  const victims = frozen.filter((p) => !listeners.has(p.pid));
  for (const p of victims) signal(p.pid, 'SIGKILL');
  for (const pid of listeners) signal(pid, 'SIGCONT');
  await waitUntil(() => victims.every((p) => !isAlive(p)), 5000);
  state.orphans = state.orphans.filter(isAlive);
  return victims.length;
};

/**
 * Replaces the host key with a new one and restarts the listeners on the same port; `fleet.knownHosts`
 * keeps the old key, so strict host key checking now fails. Established connections live on. Resolves to
 * the new fingerprint (also in `fleet.hostKeyFingerprint`).
 */
export const rotateHostKey = async (fleet: Fleet): Promise<string> => {
  const state = stateOf(fleet);
  await dropListeners(state, state.listeners);
  await fsp.rm(state.hostKey, { force: true });
  await fsp.rm(`${state.hostKey}.pub`, { force: true });
  await keygen(state.hostKey);
  state.fingerprint = fingerprintOf((await publicKey(state.hostKey)).base64);
  for (let attempt = 1; ; attempt++) {
    try {
      await launch(state);
      break;
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt >= 5) throw error;
      await sleep(200);
    }
  }
  return state.fingerprint;
};
