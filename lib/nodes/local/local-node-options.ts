/**
 * The options of a LocalNode.
 * @module
 */
import { optionKeys } from '../../errors/option-keys.js';

/** Options of {@link LocalNode}. @category models */
export interface LocalNodeOptions {
  /** Name shown in prefixes and errors. Default `'localhost'`. */
  readonly label?: string | undefined;
  /** The shell that runs each command as `shell -c command`. Default `'/bin/sh'`. */
  readonly shell?: string | undefined;
  /**
   * Where scripts go. Default `<os.tmpdir()>/rxjobs-<uid>`: per user, created on first use with mode 700, and
   * refused (a `ConfigError`) when it is a link, owned by another user, or writable by group or others.
   */
  readonly scriptDir?: string | undefined;
  /** Milliseconds between SIGTERM and SIGKILL when a command is cancelled. Default 500 (see `SshNodeOptions.killGrace`). */
  readonly killGrace?: number | undefined;
}

/** The keys of {@link LocalNodeOptions}. @internal */
export const LOCAL_NODE_KEYS = optionKeys(['label', 'shell', 'scriptDir', 'killGrace']);
