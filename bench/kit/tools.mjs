/**
 * The tools against a fleet: `fleetClient` (ssh options, host lists and files, bash loops, one per fleet) and
 * the peers of the `echo` and `out` cases (a bash loop of ssh, parallel-ssh, clush).
 */
import * as fs from 'node:fs';
import path from 'node:path';

import { MB, resetDir, sha256File, shQuote, tailOf } from './files.mjs';
import { exitProblem, finish, runProcess } from './processes.mjs';

/**
 * What the tools of a case need to reach `fleet`, their scratch files in `work`, every run with `env`
 * (undefined: ours): the OpenSSH client options (`sshOptions`; `sshArgs` with the port; `sshLine` for a
 * shell; `clushOptions`, the port as an option, since clush gives them to scp too), `nodeSet` (a clush
 * range), `hostsFile` (a pssh host list), `psshName` (the file pssh names after a host), `tool` and `bash`
 * (a program, a bash script), `loopScript` (a bash loop of `ssh ... &`), `pssh` (a program of the pssh
 * family on the hosts of a host list, `fanout` at once, no timeout, with `sshOptions`) and `clush` (on
 * `hosts`, `fanout` at once, with `clushOptions`).
 */
export function fleetClient({ fleet, work, env }) {
  const user = fleet.user;
  const sshOptions = [
    '-F',
    '/dev/null',
    '-i',
    fleet.clientKey,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${fleet.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
  ];
  const sshArgs = [...sshOptions, '-p', String(fleet.port)];
  const sshLine = sshArgs.map(shQuote).join(' ');
  const tool = (program, args, options) => runProcess(program, args, { env, ...options });
  const clushOptions = [...sshOptions, '-o', `Port=${fleet.port}`].map(shQuote).join(' ');
  const nodeSet = (hosts) => {
    const first = hosts[0].address.split('.')[3];
    const last = hosts.at(-1).address.split('.')[3];
    return hosts.length === 1 ? hosts[0].address : hosts[0].address.replace(/\d+$/, `[${first}-${last}]`);
  };
  return {
    fleet,
    work,
    user,
    sshOptions,
    sshArgs,
    sshLine,
    clushOptions,
    nodeSet,
    hostsFile: (name, hosts) => {
      const file = path.join(work, name);
      fs.writeFileSync(file, hosts.map((h) => `${user}@${h.address}:${h.port}\n`).join(''));
      return file;
    },
    psshName: (h) => `${user}@${h.address}:${h.port}`, // parallel-ssh names its files by host line
    tool,
    bash: (script, args, options) => tool('/bin/bash', ['-c', script, 'bench', ...args], options),
    // a bash loop of `ssh ... &`, each to its own file; exits with the number of failed ssh
    loopScript: (command, outDir) =>
      `pids=(); for h in "$@"; do ssh ${sshLine} ${user}@"$h" ${shQuote(command)} > ${shQuote(outDir)}/"$h" & pids+=($!); done; ` +
      'failed=0; for p in "${pids[@]}"; do wait "$p" || failed=$((failed+1)); done; exit $failed',
    pssh: (program, hostsFile, fanout, args, options) =>
      tool(
        program,
        ['-h', hostsFile, '-p', String(fanout), '-t', '0', '-x', sshOptions.map(shQuote).join(' '), ...args],
        options,
      ),
    clush: (hosts, fanout, args, options) =>
      tool(
        'clush',
        ['-f', String(fanout), '-S', '-l', user, '-o', clushOptions, '-w', nodeSet(hosts), ...args],
        options,
      ),
  };
}

/** The hosts whose file `dir/name(host)` fails `expect` (or cannot be read): undefined when none. */
export const checkFiles = (dir, hosts, expect, name = (h) => h.address) => {
  const bad = hosts.filter((h) => {
    try {
      return !expect(path.join(dir, name(h)));
    } catch {
      return true;
    }
  });
  return bad.length === 0 ? undefined : `${bad.length} hosts with wrong output (first ${bad[0].address})`;
};

/** A bash loop of `ssh host command > dir/host &` on `hosts`, every file checked with `expect`. */
const bashLoopTool = (client, name, command, dir, hosts, expect) => ({
  name,
  needs: ['ssh'],
  run: async () => {
    resetDir(dir);
    const r = await client.bash(
      client.loopScript(command, dir),
      hosts.map((h) => h.address),
    );
    return finish(
      r,
      r.code !== 0 ? `${r.code} ssh failed: ${tailOf(r.stderr)}` : checkFiles(dir, hosts, expect),
    );
  },
});

/** parallel-ssh -o dir on `hosts` at once, every file checked with `expect`. */
const parallelSshTool = (client, name, command, dir, hosts, hostsFile, expect) => ({
  name,
  needs: ['parallel-ssh', 'ssh'],
  run: async () => {
    resetDir(dir);
    const r = await client.pssh('parallel-ssh', hostsFile, hosts.length, ['-o', dir, command]);
    return finish(r, exitProblem(r) ?? checkFiles(dir, hosts, expect, client.psshName));
  },
});

/**
 * The `echo` case: `echo ok` on every host of `hosts` at full parallelism, by the script's `own` tools, a
 * bash loop of `ssh ... &` (the reference), parallel-ssh and clush (its `host: ok` lines checked).
 */
export function echoCase(client, hosts, own) {
  const dir = path.join(client.work, 'echo');
  const isOk = (file) => fs.readFileSync(file, 'utf8') === 'ok\n';
  const hostsFile = client.hostsFile('hosts-echo.txt', hosts);
  return {
    title: `echo ok on ${hosts.length} hosts, full parallelism`,
    reference: 'bash loop ssh &',
    tools: [
      ...own,
      bashLoopTool(client, 'bash loop ssh &', 'echo ok', dir, hosts, isOk),
      parallelSshTool(client, 'parallel-ssh', 'echo ok', dir, hosts, hostsFile, isOk),
      {
        name: 'clush',
        needs: ['clush', 'ssh'],
        run: async () => {
          const r = await client.clush(hosts, hosts.length, ['echo ok'], { capture: true });
          const got = new Set(
            r.stdout
              .split('\n')
              .filter((l) => l.endsWith(': ok'))
              .map((l) => l.slice(0, -4)),
          );
          const missing = hosts.filter((h) => !got.has(h.address)).length;
          return finish(r, exitProblem(r) ?? (missing > 0 ? `${missing} hosts missing` : undefined));
        },
      },
    ],
  };
}

/**
 * The `out` case's set-up, from the file every host prints (`outFile`, its sha256 `outSha256`): `dir` (a file
 * per host), `command` (prints the file) and `expect` (a host's file is the same, byte for byte).
 */
export const outSetup = (client, { outFile, outSha256 }) => ({
  dir: path.join(client.work, 'out'),
  command: `cat ${shQuote(outFile)}`,
  expect: (file) => sha256File(file) === outSha256,
});

/**
 * The `out` case: `bytes` of output from each of `hosts`, a file per host, by the script's `own` tools, a
 * bash loop of `ssh host cmd > file &` (the reference), parallel-ssh -o and clush --outdir (on the first
 * `clushHosts` hosts only: clush spends ~3.5 s of its own CPU per 10 MiB host).
 */
export function outCase(client, out, { hosts, clushHosts, bytes }, own) {
  const hostsFile = client.hostsFile('hosts-out.txt', hosts);
  return {
    title:
      `${Math.round(bytes / MB)} MiB of output (${Math.round(bytes / 77 / 1000)}k lines) from each of ` +
      `${hosts.length} hosts, to a file per host`,
    reference: 'bash loop ssh > f &',
    tools: [
      ...own,
      bashLoopTool(client, 'bash loop ssh > f &', out.command, out.dir, hosts, out.expect),
      parallelSshTool(client, 'parallel-ssh -o', out.command, out.dir, hosts, hostsFile, out.expect),
      {
        name: `clush --outdir (${clushHosts} hosts)`,
        needs: ['clush', 'ssh'],
        hosts: clushHosts,
        run: async () => {
          resetDir(out.dir);
          const some = hosts.slice(0, clushHosts);
          const r = await client.clush(some, hosts.length, ['--outdir', out.dir, out.command]);
          return finish(r, exitProblem(r) ?? checkFiles(out.dir, some, out.expect));
        },
      },
    ],
  };
}
