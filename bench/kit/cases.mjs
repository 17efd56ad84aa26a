/** Cases: interleaved rounds (the order rotating), medians over the measured runs, the table of a case. */
import { spawnSync } from 'node:child_process';

import { fmt, fmtRatio, median, textTable } from './figures.mjs';
import { quiesce, serverCpuMs } from './fleet.mjs';
import { runner } from './processes.mjs';

/**
 * A tool whose run takes longer gets no more runs in its case (BENCH_SLOW_RUN_S overrides it: on a loaded
 * machine, to keep every tool's CPU figures).
 */
export const SLOW_RUN_MS = (Number(process.env.BENCH_SLOW_RUN_S) || 15) * 1000;

/**
 * BENCH_SYNC=1: `sync` before every run (outside its timing), so that no run pays for the writeback of the
 * files of the one before (the output cases write 1 to 2 GiB per run: what they leave dirty is written back
 * while the next one runs, and makes its figures vary).
 */
const SYNC = process.env.BENCH_SYNC === '1';

/**
 * Runs `rounds` rounds of `tools` (the first one the warm-up), each tool once per round, the order rotating
 * from round to round so that they share the machine's noise; with a `fleet`, the CPU its sshd spent on each
 * run. Logs the failed runs, and stops running a tool slower than `slowMs` (default SLOW_RUN_MS). Returns each
 * tool's results.
 */
export async function runCase({ key, tools, rounds, fleet, descendants, log, slowMs = SLOW_RUN_MS }) {
  const results = new Map(tools.map((t) => [t.name, []]));
  const slow = new Set();
  for (let round = 0; round < rounds; round++) {
    const order = tools.map((_, k) => tools[(k + round) % tools.length]);
    for (const t of order) {
      if (slow.has(t.name) || runner.stopping) continue;
      if (SYNC) spawnSync('sync');
      const cpuBefore = fleet === undefined ? 0 : serverCpuMs(fleet.sshdPids());
      const r = await t.run(round);
      if (fleet !== undefined) {
        await quiesce(fleet, descendants);
        r.serverCpuMs = serverCpuMs(fleet.sshdPids()) - cpuBefore;
      }
      r.round = round;
      results.get(t.name).push(r);
      if (runner.stopping) break;
      if (!r.ok) log(`FAIL ${key} ${t.name} ${round === 0 ? 'warm-up' : `run ${round}`}: ${r.problem}`);
      if (r.wallMs > slowMs && round < rounds - 1) {
        slow.add(t.name);
        log(`SLOW ${key} ${t.name}: ${(r.wallMs / 1000).toFixed(1)} s, no more runs`);
      }
    }
  }
  return results;
}

/**
 * Each tool's medians over its measured runs (the warm-up run only when nothing else was measured): wall
 * time, its min and max, the tool's (or the case's) `unit`, CPU, sshd CPU, peak RSS; `ok` when every run
 * passed its check.
 */
export function summarize(c, tools, results) {
  const summary = {};
  for (const t of tools) {
    const all = results.get(t.name);
    const measured = all.filter((r) => r.round > 0);
    const runs = measured.length > 0 ? measured : all;
    if (runs.length === 0) continue;
    const walls = runs.map((r) => r.wallMs);
    const unit = t.unit ?? c.unit;
    summary[t.name] = {
      wallMs: median(walls),
      minMs: Math.min(...walls),
      maxMs: Math.max(...walls),
      unit: unit ? median(runs.map(unit).filter((x) => Number.isFinite(x))) : undefined,
      cpuMs: median(runs.map((r) => r.cpuMs).filter((x) => Number.isFinite(x))),
      serverCpuMs: median(runs.map((r) => r.serverCpuMs).filter((x) => Number.isFinite(x))),
      peakRssMb: median(runs.map((r) => r.peakRssKb / 1024)),
      count: measured.length > 0 ? String(measured.length) : 'w-up',
      ok: all.every((r) => r.ok),
      hosts: t.hosts,
      runs,
    };
  }
  return summary;
}

/**
 * The table of the cases, its `unit` column `unitWidth` wide: `head(c)` logs the column names (the case's
 * `unitName` over the unit) and a rule; `rows(c, summary)` sets each tool's ratio to the reference (of the
 * units with `ratioBy: 'unit'`, else of the wall times; none for a tool on fewer hosts) and logs a row per
 * tool, its unit with `unitDigits` (default 0) decimals; a tool with no figures and `needs` is said skipped.
 */
export function caseTable(unitWidth, log) {
  const columns = [
    ['tool', 26, 'l'],
    ['wall s', 7, 'r'],
    ['min-max s', 11, 'r'],
    ['unit', unitWidth, 'r'],
    ['CPU s', 6, 'r'],
    ['sshd CPU s', 10, 'r'],
    ['peak RSS MB', 11, 'r'],
    ['vs ref', 7, 'r'],
    ['runs', 4, 'r'],
    ['check', 5, 'l'],
  ];
  const { row, head } = textTable(columns);
  return {
    head: (c) => {
      for (const line of head(columns.map(([name]) => (name === 'unit' ? (c.unitName ?? '') : name))))
        log(line);
    },
    rows: (c, summary) => {
      const ref = summary[c.reference];
      for (const t of c.tools) {
        const s = summary[t.name];
        if (s === undefined) {
          if (t.needs !== undefined)
            log(`${t.name.padEnd(columns[0][1])}  not installed (${t.needs.join(', ')}): skipped`);
          continue;
        }
        s.ratio =
          ref === undefined || t.name === c.reference || !s.ok || !ref.ok || t.hosts !== undefined
            ? undefined
            : c.ratioBy === 'unit'
              ? s.unit / ref.unit
              : s.wallMs / ref.wallMs;
        log(
          row([
            t.name,
            fmt(s.wallMs / 1000, 2),
            `${fmt(s.minMs / 1000, 2)}-${fmt(s.maxMs / 1000, 2)}`,
            s.unit === undefined ? '' : fmt(s.unit, c.unitDigits ?? 0),
            fmt(s.cpuMs === undefined ? undefined : s.cpuMs / 1000, 2),
            fmt(s.serverCpuMs === undefined ? undefined : s.serverCpuMs / 1000, 2),
            fmt(s.peakRssMb, 0),
            fmtRatio(s.ratio),
            s.count,
            s.ok ? 'ok' : 'FAIL',
          ]),
        );
      }
    },
  };
}

/**
 * For a case with `cpuRef` (the name of its tool whose CPU is the reference, e.g. the OpenSSH clients of a
 * bash loop) and a CPU-per-GiB `unit`: one line with each tool's unit over the reference's (the tools of
 * the same size only); nothing when the reference has no figure.
 */
export function cpuRatioLine(c, summary, log) {
  const ref = summary[c.cpuRef];
  if (c.cpuRef === undefined || ref === undefined || !Number.isFinite(ref.unit) || ref.unit <= 0) return;
  const ratios = c.tools
    .filter(
      (t) => t.name !== c.cpuRef && summary[t.name] !== undefined && Number.isFinite(summary[t.name].unit),
    )
    .map((t) => `${t.name} ${fmtRatio(summary[t.name].unit / ref.unit)}`);
  log(`client CPU per GiB / ${c.cpuRef}'s (${fmt(ref.unit, 2)} s/GiB): ${ratios.join(', ')}`);
}
