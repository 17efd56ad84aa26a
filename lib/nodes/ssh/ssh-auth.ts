import { isJobsError } from '../../errors/jobs-error.js';
import { SshAuthError } from '../../errors/ssh-auth-error.js';
import { defaultKeyFiles, expandHome } from '../trust/key-files.js';
import type { KeyAgent } from './key-agent.js';
import type { LoadedKey } from './key-cache.js';
import { loadKey } from './key-cache.js';
import type { ParsedKey } from './ssh2.js';

/**
 * One way to log in, as ssh2's `authHandler` takes it. A key file is offered through its in-process
 * {@link KeyAgent} when it has one (signing with a cached `KeyObject`), as a `ParsedKey` otherwise.
 * @internal
 */
export type AuthMethod =
  | { type: 'publickey'; username: string; key: ParsedKey }
  | { type: 'agent'; username: string; agent: string | KeyAgent }
  | { type: 'password'; username: string; password: string };

/** What to log in with. @internal */
export interface AuthOptions {
  readonly username: string;
  /** Private key files; unset: OpenSSH's default list, and the agent. */
  readonly keys?: readonly string[] | undefined;
  /** Passphrase of the key files, one for all or one per file. */
  readonly passphrase?: string | Readonly<Record<string, string>> | undefined;
  /** The agent's socket; `true` for `$SSH_AUTH_SOCK`, `false` for none. Unset: used when no keys are given. */
  readonly agent?: string | boolean | undefined;
  readonly password?: string | undefined;
}

/** The methods to try, in order, and their names for error messages. @internal */
export interface AuthPlan {
  readonly methods: readonly AuthMethod[];
  readonly tried: readonly string[];
  /** Keys that could not be used, with why (a missing passphrase). */
  readonly problems: readonly string[];
}

const passphraseOf = (options: AuthOptions, file: string): string | undefined =>
  typeof options.passphrase === 'string' ? options.passphrase : options.passphrase?.[file];

/**
 * Reads and decrypts the keys (once per file version and passphrase, see `key-cache.ts`), finds the agent:
 * the list of methods to offer, in OpenSSH's order (keys given, agent, password). An explicit key that is
 * missing or cannot be decrypted is an `SshAuthError` naming the file and what to do; a default key that
 * cannot be used is skipped (and named if every method fails).
 * @internal
 */
export async function planAuth(host: string, options: AuthOptions): Promise<AuthPlan> {
  const methods: AuthMethod[] = [];
  const tried: string[] = [];
  const problems: string[] = [];
  const { username } = options;
  const explicit = options.keys !== undefined;
  const files = explicit ? options.keys.map(expandHome) : defaultKeyFiles();
  for (const file of files) {
    const passphrase = passphraseOf(options, file);
    let key: LoadedKey | Error;
    try {
      key = await loadKey(file, passphrase);
    } catch (e: unknown) {
      if (isJobsError(e)) throw e; // ssh2 cannot be loaded: not a matter of this key
      if (!explicit && (e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new SshAuthError(host, tried, `cannot read key file ${file}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (key instanceof Error) {
      const problem = /encrypted|passphrase/i.test(key.message)
        ? passphrase === undefined
          ? `key ${file} is protected by a passphrase: pass \`passphrase\`, or add it to ssh-agent (ssh-add)`
          : `key ${file}: wrong passphrase`
        : `key ${file} cannot be read as a private key: ${key.message}`;
      if (explicit) throw new SshAuthError(host, tried, problem, { cause: key });
      problems.push(problem);
      continue;
    }
    methods.push(
      key.agent === undefined
        ? { type: 'publickey', username, key: key.key }
        : { type: 'agent', username, agent: key.agent },
    );
    tried.push(file);
  }
  const agent =
    options.agent === true || (options.agent === undefined && !explicit)
      ? process.env['SSH_AUTH_SOCK']
      : options.agent === false
        ? undefined
        : options.agent;
  if (agent !== undefined && agent !== '') {
    methods.push({ type: 'agent', username, agent });
    tried.push('agent');
  } else if (options.agent === true) {
    // asked for, not found: said in the error if the login fails
    problems.push(
      'agent: true, but SSH_AUTH_SOCK is not set: start ssh-agent and ssh-add a key, or give `keys`',
    );
  }
  if (options.password !== undefined) {
    methods.push({ type: 'password', username, password: options.password });
    tried.push('password');
  }
  if (methods.length === 0)
    throw new SshAuthError(
      host,
      tried,
      problems.length > 0
        ? problems.join('; ')
        : 'no key, agent or password to offer: give `keys`, start ssh-agent, or create ~/.ssh/id_ed25519',
    );
  return { methods, tried, problems };
}
