import { ConfigError } from '../errors/config-error.js';
import { badOption, checkOption, checkOptionKeys, is, optionKeys } from '../errors/option-keys.js';
import { ALIVE, groupKill } from '../nodes/group-kill.js';
import { shellQuote } from '../nodes/shell-quote.js';
import { Run } from './run.js';
import type { RunCommandOptions } from './run.js';

/** Options of a {@link Service}. @category models */
export interface ServiceOptions {
  /** Names the service on its host (the systemd unit is `rxjobs-<id>`): letters, digits, `-`, `_`, `.`. */
  readonly serviceId: string;
  /**
   * Environment variables of the service. They reach its host as the start command's own `env` does (off
   * the command line, see `ExecOptions.env`); under systemd, as `systemd-run --setenv`, which holds them in
   * its command line while it runs, and in the unit's properties (`systemctl show`), as for any unit.
   */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Stop a running instance before starting (default true). */
  readonly stopIfRunning?: boolean | undefined;
  /**
   * `'auto'` (default): systemd-run where systemd runs and the user is root, the portable way otherwise;
   * `false`: always the portable way.
   */
  readonly systemd?: 'auto' | false | undefined;
}

const SERVICE_KEYS = optionKeys(['serviceId', 'env', 'stopIfRunning', 'systemd']);

// The portable way keeps the pid and the output of each service here, on its host.
const STATE = '"$HOME/.rxjobs-remote/services"';

/**
 * A background process on a node, started and stopped by commands of their own: `start()`, `stop()`,
 * `status()` (exit 0 when running, 3 when not, as `systemctl is-active`), `logs()`. Where systemd runs (and
 * as root), the process is a transient unit (`systemd-run --unit rxjobs-<id>`, logs in the journal);
 * elsewhere it runs detached in a session of its own (`setsid`), with its pid and output under
 * `~/.rxjobs-remote/services/`, and `stop()` kills its whole process group (TERM, then KILL after 2 s).
 * Each method returns a {@link Run} and takes its options (`label`, `allowedExits`, `capture`, ...).
 * @example
 * const iperf = new Service('iperf3 -s', { serviceId: 'iperf' });
 * new Sequence(new SshJob(server, iperf.start()), new SshJob(client, 'iperf3 -c server -t 5'), new SshJob(server, iperf.stop()));
 * @category constructors
 */
export class Service {
  readonly command: string;
  readonly options: ServiceOptions;

  constructor(command: string, options: ServiceOptions) {
    const id: unknown = (options as Partial<ServiceOptions> | undefined)?.serviceId;
    const subject = (): string => `service "${typeof id === 'string' ? id : command}"`;
    if (typeof command !== 'string' || command === '')
      throw badOption(subject(), 'command', "a command line such as 'iperf3 -s'", command);
    checkOptionKeys(subject, 'Service', options, SERVICE_KEYS, 'options', "{ serviceId: 'iperf' }");
    if ((options as ServiceOptions | undefined) === undefined)
      throw new ConfigError(
        subject(),
        'serviceId',
        "is missing: new Service(command, { serviceId: 'name' })",
      );
    checkOption(subject, options, 'env', "an object of strings, e.g. { PORT: '5201' }", is.stringRecord);
    for (const name of Object.keys(options.env ?? {}))
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw new ConfigError(subject(), `env.${name}`, 'is not a variable name (letters, digits and _)');
    checkOption(subject, options, 'stopIfRunning', 'true or false', is.boolean);
    checkOption(subject, options, 'systemd', "'auto' or false", (v) => v === 'auto' || v === false);
    if (typeof options.serviceId !== 'string' || !/^[\w.-]+$/.test(options.serviceId))
      throw new ConfigError(
        `service "${options.serviceId}"`,
        'serviceId',
        'must be made of letters, digits, "-", "_" and "."',
      );
    this.command = command;
    this.options = options;
  }

  get unit(): string {
    return `rxjobs-${this.options.serviceId}`;
  }

  /** The condition under which systemd is used, as shell text. */
  #useSystemd(): string {
    return this.options.systemd === false
      ? 'false'
      : '[ "$(id -u)" = 0 ] && [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1';
  }

  /** Starts the service (after stopping a running one, unless `stopIfRunning: false`); returns at once. */
  start(options: RunCommandOptions = {}): Run {
    const env = this.options.env ?? {};
    // the values come from the start command's environment: never in its text (shown in errors, in ps)
    const setenv = Object.keys(env)
      .map((k) => `--setenv=${k}="$${k}"`)
      .join(' ');
    const id = this.options.serviceId;
    const stop = this.options.stopIfRunning === false ? '' : `${this.#stopScript()}; `;
    const script =
      `${stop}if ${this.#useSystemd()}; then ` +
      `systemctl reset-failed ${this.unit} >/dev/null 2>&1; ` +
      `exec systemd-run --quiet --unit=${this.unit} --service-type=simple ${setenv} /bin/sh -c ${shellQuote(this.command)}; ` +
      `fi; d=${STATE}; mkdir -p "$d" && chmod 700 "$HOME/.rxjobs-remote" "$d" || exit 1; ` +
      `(cd && exec setsid /bin/sh -c ${shellQuote(this.command)}) >"$d/${id}.log" 2>&1 </dev/null & ` +
      `echo $! >"$d/${id}.pid"`;
    return new Run(script, {
      label: `Service: start ${id}`,
      ...options,
      env: { ...options.env, ...env }, // the service's own win, as they did when they were exported last
    });
  }

  /** Stops the service: exits 0 whether it was running or not. */
  stop(options: RunCommandOptions = {}): Run {
    return new Run(this.#stopScript(), { label: `Service: stop ${this.options.serviceId}`, ...options });
  }

  /** Exits 0 and prints `active` when the service runs; exits 3 and prints `inactive` otherwise. */
  status(options: RunCommandOptions = {}): Run {
    const id = this.options.serviceId;
    const script =
      `${ALIVE}f=${STATE}/${id}.pid; if [ -f "$f" ]; then ` +
      `if alive "$(cat "$f")"; then echo active; exit 0; else echo inactive; exit 3; fi; fi; ` +
      `if ${this.#useSystemd()}; then systemctl is-active ${this.unit}; else echo inactive; exit 3; fi`;
    return new Run(script, { label: `Service: status ${id}`, ...options });
  }

  /** Prints the service's output so far (its journal under systemd). */
  logs(options: RunCommandOptions = {}): Run {
    const id = this.options.serviceId;
    const script =
      `f=${STATE}/${id}.log; if [ -f "$f" ]; then cat "$f"; ` +
      `elif ${this.#useSystemd()}; then journalctl --no-pager --output=cat --unit ${this.unit}; fi`;
    return new Run(script, { label: `Service: logs ${id}`, ...options });
  }

  #stopScript(): string {
    const id = this.options.serviceId;
    return (
      `${ALIVE}f=${STATE}/${id}.pid; if [ -f "$f" ]; then p=$(cat "$f"); rm -f "$f"; ` +
      `${groupKill('"$p"', 2000)}; ` +
      `elif ${this.#useSystemd()}; then systemctl stop ${this.unit} >/dev/null 2>&1; fi; true`
    );
  }
}
