/** Starting and stopping fleets, and the registry of live ones that the exit hook kills. */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

import { exited, launch, PortTaken } from './launch.js';
import { fingerprintOf, keygen, publicKey, shadowFile } from './keys.js';
import { addressOf, MAX_HOSTS, missingLimits } from './limits.js';
import { freePort } from './ports.js';
import { freezeTrees, killAndWait, signal } from './proc.js';
import { program, sshdProgram, waitUntil } from './programs.js';
import type { Fleet, FleetOptions, FleetState } from './types.js';

const states = new WeakMap<Fleet, FleetState>();
const live = new Set<FleetState>();
let exitHookInstalled = false;

export const stateOf = (fleet: Fleet): FleetState => {
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

/**
 * Starts private sshd servers: `hosts` loopback addresses (127.0.0.2-254, then 127.0.1.1-254, 127.0.2.1...)
 * on one free port, one sshd per block of 16, with fresh keys. Throws, saying how to install it, when OpenSSH
 * is missing, and saying what to change when the machine's limits are too low for that many hosts.
 *
 * @example
 * let fleet: Fleet;
 * before(async () => { fleet = await startFleet({ hosts: 3 }); });
 * after(() => fleet.stop());
 */
export const startFleet = async (options: FleetOptions = {}): Promise<Fleet> => {
  const count = options.hosts ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_HOSTS) {
    throw new Error(
      `sshd harness: hosts must be 1 to ${String(MAX_HOSTS)} (127.0.0.2 to ${addressOf(MAX_HOSTS - 1)}), ` +
        `not ${String(count)}`,
    );
  }
  const missing = missingLimits(count);
  if (missing.length > 0) {
    throw new Error(
      `sshd harness: this machine's limits are too low for ${String(count)} hosts:\n- ${missing.join('\n- ')}`,
    );
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

    const addresses = Array.from({ length: count }, (_, i) => addressOf(i));
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
