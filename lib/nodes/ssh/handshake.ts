/**
 * One handshake of an SshNode's connection, from the node's options and their resolution: its name in
 * errors, the methods to log in with, the host key check against the known_hosts files, the algorithms.
 * @module
 */
import { SshConnectError } from '../../errors/ssh-connect-error.js';
import type { NodeRef } from '../command-event.js';
import { openFilesFailure, openFilesLimit } from '../open-files.js';
import { blobKeyType, knownHostKeyTypes, verifyHostKey } from '../trust/known-hosts.js';
import type { ResolvedNode } from './resolve-node.js';
import { planAuth } from './ssh-auth.js';
import { hostKeyAlgorithms } from './host-key-algorithms.js';
import { openConnection } from './ssh-connect.js';
import type { SshConnection } from './ssh-connection.js';
import type { SshAlgorithms, SshNodeOptionsOf } from './ssh-node-options.js';

const SYSTEM_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

/** What a node's connection needs of the SshNode that owns it. @internal */
export interface ConnectionOwner extends NodeRef {
  readonly options: SshNodeOptionsOf<unknown>;
  readonly killGrace: number;
  toString(): string;
}

/** One handshake: of `owner`'s connection, as `resolved`, through `via`'s when it has a gateway. @internal */
export interface HandshakeSpec {
  readonly owner: ConnectionOwner;
  readonly resolved: ResolvedNode<unknown>;
  /** The gateway's connection; `id` names it in the ramp of handshakes through it. */
  readonly via:
    { readonly owner: ConnectionOwner; readonly id: number; connect(): Promise<SshConnection> } | undefined;
  /** `via` is a gateway from ProxyJump, which the owner's `toString()` does not show. */
  readonly viaJump: boolean;
  /** Sessions at once: `maxSessions`, or the server's MaxSessions once it refused a session below it. */
  maxSessions(): number;
  /** The server refused a session with `server` open: `limit` at once now. */
  onSessionsLowered(label: string, server: number, limit: number): void;
  readonly signal: AbortSignal;
}

/** The options' algorithms, with the host key types known for the host asked for first. */
const algorithmsOf = (
  given: SshAlgorithms | undefined,
  knownTypes: readonly string[],
): SshAlgorithms | undefined => {
  const serverHostKey = given?.serverHostKey ?? hostKeyAlgorithms(knownTypes);
  return serverHostKey === undefined ? given : { ...given, serverHostKey };
};

/** The EMFILE or ENFILE behind `e` (itself or its causes), as the SshConnectError `files` of `label`. */
const outOfFiles = (label: string, e: unknown): SshConnectError | undefined => {
  for (let c = e, depth = 0; c instanceof Error && depth < 4; c = c.cause, depth++) {
    if (c instanceof SshConnectError && c.reason === 'files') return undefined; // said already
    const text = openFilesFailure((c as NodeJS.ErrnoException).code);
    if (text !== undefined) return new SshConnectError(label, 'files', 1, text, { cause: e });
  }
  return undefined;
};

/**
 * Opens the connection: plans the login, checks the host key (see `verifyHostKey`), asks for the host key
 * types known for the host first. With no descriptor left (EMFILE, ENFILE), whether for the socket, a key
 * or a known_hosts file, it fails with the SshConnectError `files` that says so.
 * @internal
 */
export async function handshake(spec: HandshakeSpec): Promise<SshConnection> {
  openFilesLimit(); // read (once) while a descriptor is free, for the message of EMFILE
  try {
    return await handshakeOnce(spec);
  } catch (e: unknown) {
    throw outOfFiles(spec.owner.toString(), e) ?? e;
  }
}

async function handshakeOnce(spec: HandshakeSpec): Promise<SshConnection> {
  const { owner, resolved: r, via, signal } = spec;
  // a gateway from ProxyJump is not in toString(): name it in errors; so are the user, host name and port
  // that the ssh config or the defaults gave, when they differ from what the options say
  const own = owner.toString();
  const resolved = `${r.username}@${r.host}${r.port === 22 ? '' : `:${String(r.port)}`}`;
  const named = own === resolved || own.endsWith(` -> ${resolved}`) ? own : `${own} (${resolved})`;
  const label = via !== undefined && spec.viaJump ? `${via.owner.toString()} -> ${named}` : named;
  const lookup = { host: r.host, port: r.port };
  const files = [...r.knownHostsFiles, ...SYSTEM_KNOWN_HOSTS];
  const auth = await planAuth(label, {
    username: r.username,
    keys: r.keys,
    passphrase: owner.options.passphrase,
    agent: owner.options.agent,
    password: owner.options.password,
  });
  return openConnection({
    label,
    host: r.host,
    port: r.port,
    username: r.username,
    auth,
    verifyHostKey: (data) =>
      verifyHostKey(
        lookup,
        { type: blobKeyType(data) ?? 'unknown', data },
        {
          policy: r.policy,
          files,
          userFile: r.knownHostsFiles[0],
        },
      ),
    connectTimeout: r.connectTimeout,
    attempts: owner.options.connectAttempts ?? 3,
    keepaliveInterval: r.keepalive,
    keepaliveCountMax: r.keepaliveCountMax,
    maxSessions: spec.maxSessions(),
    onSessionsLowered: (server, limit) => {
      spec.onSessionsLowered(label, server, limit);
    },
    rampKey: via === undefined ? `${r.host}:${String(r.port)}` : `via #${String(via.id)}`,
    rampLimit: owner.options.maxStartups ?? 8,
    tunnel: via === undefined ? undefined : async () => (await via.connect()).forwardOut(r.host, r.port),
    algorithms: algorithmsOf(
      owner.options.algorithms,
      r.policy === 'off' ? [] : await knownHostKeyTypes(lookup, files),
    ),
    signal,
  });
}
