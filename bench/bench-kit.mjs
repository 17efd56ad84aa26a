/**
 * What the benchmark scripts share, in plain Node (no dependency), one module per concern in bench/kit/.
 * Mostly for the two that time tools against a loopback sshd fleet (bench/ssh.bench.mjs,
 * bench/cli.bench.mjs); the scheduler benchmark takes the figures and table helpers.
 *
 * - kit/figures: `median`, `fmt`, `fmtRatio`, `textTable` (fixed-width columns), the load-average and
 *   "targets met" lines, `targets()` (the PASS/MISS lines);
 * - kit/versions: tool and package versions, `platformLine`, Node.js children without NODE_EXTRA_CA_CERTS;
 * - kit/processes: `runProcess` (one program in its own process group, killed after `RUN_KILL_MS`; wall time,
 *   CPU from GNU time, peak RSS of its process tree sampled from /proc), `runner` (where GNU time writes,
 *   whether a stop was asked) and `killRuns()` for Ctrl-C;
 * - kit/fleet: `startBenchFleet` (the sshd harness of the tests, spec/helpers/sshd/, built into
 *   bench/out/harness/ by `npm run build:harness`, with the benchmarks' sshd settings), the CPU of its sshd,
 *   `quiesce` between runs;
 * - kit/files: `ROOT`, `MB`, `sha256File`, `resetDir`, `shQuote`, `tailOf`, test data files;
 * - kit/tools: `fleetClient` (ssh options, host lists and files, bash loops, one per fleet), the peers of the
 *   `echo` and `out` cases (a bash loop of ssh, parallel-ssh, clush);
 * - kit/cases: `runCase` (interleaved rounds, the order rotating), `summarize` (medians over the measured
 *   runs), `caseTable` (the table of a case).
 *
 * A case is `{ title, reference, tools, unit?, unitName?, unitDigits?, ratioBy?, prepare? }`; a tool is
 * `{ name, run(round) -> { wallMs, peakRssKb, ok, problem, ... }, needs?, hosts?, unit? }` (`hosts` when it
 * works on fewer hosts than the others: no ratio then).
 */
export * from './kit/cases.mjs';
export * from './kit/figures.mjs';
export * from './kit/files.mjs';
export { FLEET_SERVER, startBenchFleet } from './kit/fleet.mjs';
export * from './kit/processes.mjs';
export * from './kit/tools.mjs';
export * from './kit/versions.mjs';
