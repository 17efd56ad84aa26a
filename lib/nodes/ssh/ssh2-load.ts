// Loads ssh2 (through ssh2.ts, its only importer) and the in-process key agent that extends its classes, on
// first use: `import 'rxjobs'` does not load them, so that a program with local nodes only never does.
import { ConfigError } from '../../errors/config-error.js';

type Ssh2Modules = readonly [typeof import('./ssh2.js'), typeof import('./key-agent.js')];

let loading: Promise<Ssh2Modules> | undefined;

/**
 * ssh2's adapter and the key agent, loaded once; a ConfigError saying what to do when the ssh2 package
 * cannot be loaded (tried again on the next call).
 * @internal
 */
export const loadSsh2 = (): Promise<Ssh2Modules> =>
  (loading ??= Promise.all([import('./ssh2.js'), import('./key-agent.js')]).catch((e: unknown) => {
    loading = undefined;
    throw new ConfigError(
      'rxjobs',
      'ssh2',
      `cannot be loaded (${(e as Error).message}): reinstall the dependencies (npm ci)`,
      { cause: e },
    );
  }));
