/**
 * Token expansion in config values: `%x` tokens, `%%`, `${VAR}` and a leading `~`.
 * @module
 */
import { ConfigError } from '../../../errors/config-error.js';
import type { Fail } from './types.js';
import type { Walk } from './walk-state.js';

/** A {@link Fail} naming `subject` and `field`. */
export const failer =
  (subject: string, field: string): Fail =>
  (problem) => {
    throw new ConfigError(subject, field, problem);
  };

/** Expands `%x` tokens (and `${VAR}` when `env`); `%%` is a percent sign. */
export function expand(text: string, tokens: Map<string, () => string>, env: boolean, fail: Fail): string {
  const known = ['%', ...tokens.keys()].map((k) => `%${k}`).join(' ');
  return text.replace(/%(.?)|\$\{([^}]*)\}/gs, (match: string, key?: string, name?: string) => {
    if (name !== undefined)
      return env
        ? (process.env[name] ?? fail(`uses \${${name}}, which is not set in the environment`))
        : match;
    if (key === '%') return '%';
    const token = key === undefined ? undefined : tokens.get(key);
    if (token === undefined)
      return fail(`uses %${key ?? ''} in "${text}", which rxjobs does not expand (it knows ${known})`);
    return token();
  });
}

/** A path option (IdentityFile, UserKnownHostsFile): `~` is the home directory, then tokens and `${VAR}`. */
export function expandPath(
  path: string,
  subject: string,
  field: string,
  w: Walk,
  tokens: Map<string, () => string>,
): string {
  const tilde = path === '~' || path.startsWith('~/') ? w.home.replace(/\/+$/, '') + path.slice(1) : path;
  return expand(tilde, tokens, true, failer(subject, field));
}
