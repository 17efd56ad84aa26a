/**
 * The version of this package, as run.json, `--version` and `--json` give it.
 * @module
 */
import { readFileSync } from 'node:fs';

/**
 * The version in this package's package.json (two levels above this module: lib/record or dist/record, and
 * the CLIs' bundles in dist/cli); `unknown` when it cannot be read. @internal
 */
export function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    const { version } = JSON.parse(text) as { version?: unknown };
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
