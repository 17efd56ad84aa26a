/**
 * The targets of `rxssh`: its `-t`, `-x`, `-l`, `-g` and `-p` options turned into the list of hosts to run
 * on (apssh's target handling, with its quirks fixed).
 * @module
 */
import * as nodeFs from 'node:fs';
import { homedir } from 'node:os';

import { TargetError } from '../errors/target-error.js';
import type { Endpoint, Target } from './target-parse.js';
import { formatEndpoint, parseEndpoint } from './target-parse.js';
import type { SourcedTarget, TargetFs } from './target-sources.js';
import { quoteValue, readTargetValue } from './target-sources.js';

export { formatEndpoint, formatTarget, parseEndpoint, parseTarget } from './target-parse.js';
export type { Endpoint, Target } from './target-parse.js';
export type { TargetFs } from './target-sources.js';

/**
 * The options of {@link resolveTargets}, as given on the command line.
 * @category models
 */
export interface ResolveTargetsOptions {
  /** The `-t` values, in order: host lists (`"fit[01-03],gw->n1"`), files or directories. */
  readonly targets: readonly string[];
  /** The `-x` values, same forms: targets to leave out. */
  readonly excludes?: readonly string[] | undefined;
  /** `-l`: the user for targets and gateways that name none. */
  readonly login?: string | undefined;
  /** `-g`: `[user@]host[:port]`, the gateway of targets that name none (`None->host` is direct). */
  readonly gateway?: string | undefined;
  /** `-p`: the port of targets that name none (gateways keep theirs). */
  readonly port?: number | undefined;
  /** Where relative paths are looked for first (default `process.cwd()`). */
  readonly cwd?: string | undefined;
  /** The home directory, for `~` and `~/.rxjobs/` (default `os.homedir()`). */
  readonly home?: string | undefined;
  /** The file system (default `node:fs`), for tests. */
  readonly fs?: TargetFs | undefined;
}

/**
 * A target with the `-l`, `-p` and `-g` defaults applied.
 * @category models
 */
export interface ResolvedTarget {
  readonly host: string;
  /** The user given with the target, else `-l`, else `undefined` (the ssh layer's default). */
  readonly user: string | undefined;
  /** The port given with the target, else `-p`, else `undefined`. */
  readonly port: number | undefined;
  /**
   * The target's own gateway, else `-g`; `null` for an explicitly direct one (`None->host`), `undefined`
   * when there is neither (direct, or as the ssh config says).
   */
  readonly gateway: Endpoint | null | undefined;
  /**
   * The name of the target in output prefixes and per-host file names: its host as written, plus what
   * tells it apart from the other targets on the same host (`user@host`, `host:port`, `gw->host`).
   */
  readonly label: string;
  /** Where the target was written: `-t "a,b"`, `hosts.txt:3`, `-t hosts/`. */
  readonly source: string;
}

/**
 * What {@link resolveTargets} found.
 * @category models
 */
export interface ResolvedTargets {
  /** The targets to run on, in the order given, without duplicates. */
  readonly targets: ResolvedTarget[];
  /** The targets given with `-t` and left out by a `-x`, in the order given. */
  readonly excluded: ResolvedTarget[];
}

/**
 * Turns the `-t` and `-x` values into targets. Each value is a directory of host files, a file of host
 * names or a list (see `readTargetValue()`); host ranges are expanded (`gw->fit[01-03]`: three targets
 * through `gw`). Then the `-l`, `-p` and `-g` defaults apply (`-l` also to gateways), duplicates go (the
 * first is kept), and so do the targets matched by a `-x`: same host, and same user and port when the `-x`
 * names them (gateways are ignored). The order of `-t` and `-x` does not matter.
 * @example
 * resolveTargets({ targets: ['fit[01-02]', 'admin@gw->fit03'], login: 'root', excludes: ['fit02'] });
 * // targets: fit01 (root, via nothing) and fit03 (root, via admin@gw); excluded: fit02
 * @throws {TargetError} naming the value and its source, for a bad value (see `readTargetValue()`), a bad
 * `-g` or `-p`, and when no target is given or none is left after the exclusions.
 * @category constructors
 */
export function resolveTargets(options: ResolveTargetsOptions): ResolvedTargets {
  const { targets: values, excludes = [], login, port } = options;
  const read = {
    cwd: options.cwd ?? process.cwd(),
    home: options.home ?? homedir(),
    fs: options.fs ?? nodeFs,
  };
  if (values.length === 0)
    throw new TargetError({
      target: '',
      problem: 'no target given: use -t HOST, -t "HOST1,HOST2", -t FILE or -t DIR',
    });
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535))
    throw new TargetError({ target: String(port), source: '-p', problem: 'not a port: use 1 to 65535' });
  const gateway =
    options.gateway === undefined
      ? undefined
      : withUser(
          parseEndpoint(options.gateway, `-g ${quoteValue(options.gateway)}`, options.gateway, 'gateway'),
          login,
        );
  const given = values.flatMap((value) => readTargetValue(value, { ...read, flag: '-t', allowEmpty: false }));
  const exclusions = excludes.flatMap((value) =>
    readTargetValue(value, { ...read, flag: '-x', allowEmpty: true }).map((sourced) => sourced.target),
  );

  const seen = new Set<string>();
  const kept: Unlabelled[] = [];
  const excluded: Unlabelled[] = [];
  for (const sourced of given) {
    const target = applyDefaults(sourced, login, port, gateway);
    const key = JSON.stringify([target.host, target.user, target.port, hopKey(target.gateway)]);
    if (seen.has(key)) continue;
    seen.add(key);
    (exclusions.some((x) => excludes_(x, target)) ? excluded : kept).push(target);
  }
  if (kept.length === 0)
    throw new TargetError({
      target: '',
      problem:
        `no target left after ${excludes.map((x) => `-x ${quoteValue(x)}`).join(' ')}: all ${String(excluded.length)} ` +
        'targets given are excluded: remove or narrow a -x, or add a -t',
    });
  return { targets: withLabels(kept), excluded: withLabels(excluded) };
}

type Unlabelled = Omit<ResolvedTarget, 'label'>;

/** A gateway as a comparable value, whatever the order of its keys (no gateway and `None->` alike). */
const hopKey = (gateway: Endpoint | null | undefined): unknown =>
  gateway === undefined || gateway === null
    ? null
    : [gateway.host, gateway.user ?? null, gateway.port ?? null];

function withUser(endpoint: Endpoint, login: string | undefined): Endpoint {
  const user = endpoint.user ?? login;
  return user === undefined ? endpoint : { ...endpoint, user };
}

function applyDefaults(
  { target, source }: SourcedTarget,
  login: string | undefined,
  port: number | undefined,
  gateway: Endpoint | undefined,
): Unlabelled {
  return {
    host: target.host,
    user: target.user ?? login,
    port: target.port ?? port,
    gateway:
      target.gateway === null
        ? null
        : target.gateway === undefined
          ? gateway
          : withUser(target.gateway, login),
    source,
  };
}

/** Whether the exclusion `x` (as written, without defaults) matches `target`'s final endpoint. */
const excludes_ = (x: Target, target: Unlabelled): boolean =>
  x.host === target.host &&
  (x.user === undefined || x.user === target.user) &&
  (x.port === undefined || x.port === target.port);

/**
 * Labels: the host alone, unless other targets share it; then the user, the port and the gateway, each
 * when it differs among them (the gateway's user only when it alone tells two gateways apart).
 */
function withLabels(targets: readonly Unlabelled[]): ResolvedTarget[] {
  const byHost = new Map<string, Unlabelled[]>();
  for (const target of targets) byHost.set(target.host, [...(byHost.get(target.host) ?? []), target]);
  return targets.map((target) => {
    const group = byHost.get(target.host) ?? [target];
    const varies = (f: (t: Unlabelled) => unknown): boolean =>
      new Set(group.map((t) => JSON.stringify(f(t) ?? null))).size > 1;
    const user = varies((t) => t.user) ? target.user : undefined;
    const port = varies((t) => t.port) ? target.port : undefined;
    let label = formatEndpoint(endpoint(target.host, user, port));
    if (varies((t) => hopKey(t.gateway)) && target.gateway !== undefined && target.gateway !== null) {
      const { host, user: gwUser, port: gwPort } = target.gateway;
      const sameHop = group.filter((t) => t.gateway?.host === host && t.gateway.port === gwPort);
      const userShown = new Set(sameHop.map((t) => t.gateway?.user)).size > 1 ? gwUser : undefined;
      label = `${formatEndpoint(endpoint(host, userShown, gwPort))}->${label}`;
    }
    return { ...target, label };
  });
}

function endpoint(host: string, user: string | undefined, port: number | undefined): Endpoint {
  return { host, ...(user === undefined ? {} : { user }), ...(port === undefined ? {} : { port }) };
}
