/**
 * The codec of a scenario file, and of its jobs and scheduler options.
 * @module
 */
import type * as t from 'io-ts';

import { entries, struct, withExtensions } from './codecs-combinators.js';
import { ScenarioJobSpec } from './codecs-jobs.js';
import { NodeSpec } from './codecs-nodes.js';
import { Bool, integer, NonEmptyString, Seconds, VariableValues } from './codecs-values.js';

export { JobSpec } from './codecs-jobs.js';

/** Options of the scenario's scheduler. @category codecs */
export const SchedulerSpec = struct(
  'the scheduler options (a mapping)',
  {},
  {
    label: NonEmptyString,
    timeout: Seconds,
    jobsWindow: integer(1, Number.MAX_SAFE_INTEGER),
    critical: Bool,
    shutdownTimeout: Seconds,
    cleanupTimeout: Seconds,
  },
);
/** @category codecs */
export type SchedulerSpec = t.TypeOf<typeof SchedulerSpec>;

/**
 * A scenario file: nodes, and jobs that run commands on them. Every key below is checked: a key that is not
 * listed (a typo such as `requries`) is an error naming the accepted ones.
 *
 * ```yaml
 * scheduler:                  # optional
 *   label: deploy             # default: the file's name
 *   timeout: 600              # seconds for the whole run; default none
 *   jobsWindow: 4             # jobs running at once; default no limit
 *   critical: true            # default for jobs that do not say (default false)
 *   shutdownTimeout: 2        # seconds; default 1
 *   cleanupTimeout: 300       # seconds for runIf: always jobs after a stop; default 10 x shutdownTimeout
 * variables:                  # optional: name -> string | number | boolean, for {{name}} (commands, nodes)
 *   version: 1.2.3
 * nodes:                      # required: a non-empty list (or a map from ids to nodes without `id`)
 *   - id: gw                  # required, unique: letters, digits, _ - .
 *     hostname: gw.example.org    # an SSH node; or `local: true` for this machine (exactly one of them)
 *     username: root          # default: the ssh config's User, else the local user
 *     port: 22
 *     gateway: other          # id of another SSH node (before or after this one) to tunnel through
 *     keys: [~/.ssh/id_ed25519]   # private key files
 *     agent: true             # ssh-agent: a socket path, true ($SSH_AUTH_SOCK) or false
 *     knownHosts: ~/.ssh/known_hosts
 *     hostKeyPolicy: accept-new   # strict | accept-new | off
 *     connectTimeout: 10      # seconds per attempt
 *     connectAttempts: 3
 *     keepalive: 5            # seconds between keepalives, 0 for none
 *     maxSessions: 10         # the server's MaxSessions
 *     sshConfig: ~/.ssh/config    # or false to read none
 *     label: gateway          # name in output prefixes; default: the id
 *     variables: {iface: eth0}    # this node's values, over the global ones
 *   - id: here
 *     local: true             # a local node takes: id, local, label, shell, variables
 *   - id: fits                # a group: hostname is a range or a list of names and ranges; one node per
 *     hostname: 'fit[01-37]'  # host, every other field applying to each (label: each member's is its host)
 *     gateway: gw
 * jobs:                       # required: a non-empty list (or a map from ids to jobs without `id`)
 *   - id: prepare             # required, unique
 *     node: gw                # required: a node id
 *     requires: [other]       # optional: a job id or a list of them, anywhere in the file
 *     label: Prepare          # default: the id
 *     critical: true
 *     forever: false
 *     timeout: 30             # seconds
 *     runIf: all-done         # all-done | all-success | always | one-failed (needs requires)
 *     retries: 2              # or {count: 2, delay: 5, backoff: 2, maxDelay: 60}: seconds
 *     commands:               # required, non-empty; each one a string (a shell command line) or:
 *       - {type: Run, command: "apt-get update"}          # shell text, used as it is, plus quoted `args`
 *       - {type: Run, argv: [ls, -l, my dir]}             # or words, each quoted
 *       - {type: RunScript, script: ./prepare.sh, args: [--fast], includes: [./lib.sh]}
 *       - {type: RunString, body: "echo hi", args: [], remoteName: hi.sh, includes: []}
 *       - {type: Push, localPaths: [conf/a.conf], remoteDir: /etc/app}   # localPaths: a path or a list
 *       - {type: Pull, remotePaths: /var/log/app.log, localDir: logs}    # remotePaths: a path or a list
 *   - id: setup               # node: a group: one SshJob per member (setup@fit07), `requires: setup`
 *     node: fits              # waits for all of them
 *     maxFailures: 10%        # members that may fail (a count, or a percentage); default 0
 *     memberTimeout: 60       # seconds, each member (timeout: the whole group)
 *     ignoreUnreachable: true # unreachable members count as no failure
 *     skipFailedMembers: true # default: skip a member whose host failed in a required job on a group
 *     jobsWindow: 10          # members at once
 *     commands: ['echo {{hostname}} {{index}}']   # and {{node}} (fits[fit07]), {{group}} (fits)
 *   - id: pairs               # a matrix: the jobs block once per instance of the product of the axes
 *     matrix: {sender: fits, size: [10, 100]}     # group ids (their members' host names) or value lists
 *     where: sender != 'fit01'  # ==, !=, and, or, not, (), axes and quoted values (optional)
 *     exclude: [{size: 100}]  # instances to leave out (optional)
 *     maxFailures: 1          # instances that may fail; jobsWindow: instances at once
 *     jobs:                   # ids local to an instance (pairs[fit02,10].send); node: an axis or a node
 *       - {id: send, node: sender, commands: ['send {{size}} {{instance}}']}   # {{instance}}: fit02-10
 * ```
 * `Run`, `RunScript` and `RunString` also take `label`, `capture` (a variable to store stdout in),
 * `allowedExits` (codes and signal names: `[1, TERM]`), `env` (a mapping), `pty` and `stdin` (text);
 * `Push` and `Pull` take `label` and `preserve` (keep times and modes, default true).
 *
 * - Durations are in seconds (fractions allowed). Local paths (scripts, includes, Push sources, the Pull
 *   target, keys, `knownHosts`, `sshConfig`) are relative to the scenario file's directory; `~/` is the home
 *   directory. Scripts, includes, Push sources and keys must exist when the file is loaded (a Push source
 *   that still holds a run-time `{{name}}` is checked by the run).
 * - `{{name}}` in a command's texts (command, argv, args, body, stdin, env values, paths, remoteName, labels)
 *   and in a job's label is replaced when the scenario is built, per node: by the node's own variable, else
 *   the global one, else the built-ins `{{node}}` (the node's id), `{{hostname}}` (`localhost` for a local
 *   node) and `{{username}}` (the node's `username`, else the default given to the build, else the local
 *   user). Other names are left for the run, when they take the values that `capture`s stored; all jobs share
 *   them. A capture cannot use a name replaced at build time, and scripts and includes cannot use run-time
 *   names (they are read as written).
 * - `{{name}}` in the texts of a node entry (`hostname`, `username`, `keys`, `gateway`, `label`,
 *   `knownHosts`, `sshConfig`, `agent`, `shell`; not `id` nor `variables`) is replaced when the file is
 *   loaded, before its fields are checked: by the node's own variable, else the global one (which
 *   `loadScenario`'s `variables` option, `rxjobs run --var`, overrides), else `{{node}}`; `{{hostname}}` and
 *   `{{username}}` (the node's own, substituted) in the fields but `hostname` and `username`. Every name
 *   must have a value there: none is left for the run.
 * - Top-level keys that start with `x-` are set aside (extension fields, as in docker compose): a place for
 *   anchors that entries alias (`x-common: &common {...}`, then `<<: *common`).
 * - Values in `variables` and `env`, and `args`, may be strings, numbers or booleans; they become strings
 *   (`1.10` is the number 1.1: quote it to keep it as written). The built-in names cannot be set.
 * @category codecs
 */
export const ScenarioSpec = withExtensions(
  struct(
    'a scenario (a mapping with nodes and jobs)',
    {
      nodes: entries(NodeSpec, 'a non-empty list of nodes (or a map from ids to nodes)'),
      jobs: entries(ScenarioJobSpec, 'a non-empty list of jobs (or a map from ids to jobs)'),
    },
    { scheduler: SchedulerSpec, variables: VariableValues },
  ),
);
/** @category codecs */
export type ScenarioSpec = t.TypeOf<typeof ScenarioSpec>;
