/** Figures and tables: medians, number formats, fixed-width tables, the load-average and "targets met" lines. */
import * as fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

export const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length === 0 ? undefined : s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const fmt = (x, digits) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
export const fmtRatio = (x) => (x === undefined || Number.isNaN(x) ? '-' : `${x.toFixed(2)}x`);

const GIB = 1024 * 1024 * 1024;
/**
 * A run's client CPU (user + system, s) per GiB of the `bytes` it moved: the unit of a case that compares
 * CPU per byte (a run with no CPU figure gives NaN, left out of the median).
 */
export const cpuPerGiB = (bytes) => (r) =>
  r.cpuMs === undefined ? Number.NaN : r.cpuMs / 1000 / (bytes / GIB);

/**
 * A table of fixed-width columns `[name, width, 'l' | 'r']`: `row(cells)` pads each cell to its column
 * (left- or right-aligned), two spaces apart; `head(names)` the names' row and a rule under it.
 */
export function textTable(columns) {
  const row = (cells) =>
    cells
      .map((cell, k) => {
        const [, width, align] = columns[k];
        return align === 'l' ? String(cell).padEnd(width) : String(cell).padStart(width);
      })
      .join('  ');
  const head = (names = columns.map(([name]) => name)) => [
    row(names),
    row(columns.map(([, width]) => '-'.repeat(width))),
  ];
  return { row, head };
}

/** The 1-minute load average, 2 decimals. */
export const loadAverage = () => os.loadavg()[0].toFixed(2);
export const loadAverageLine = () =>
  `load average (1 min) at start: ${loadAverage()} (figures are unreliable when it exceeds the cores)`;
/** The `cpu` line of /proc/stat: the machine's CPU time so far, in ticks, and how much of it was stolen. */
const cpuTicks = () => {
  try {
    const fields = fs
      .readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return undefined; // not Linux
  }
};
const ticksAtLoad = cpuTicks();
/**
 * The share of the CPU time that the hypervisor took for other machines (steal) since this module was
 * loaded: figures are unreliable when it is high. Empty when /proc/stat cannot say.
 */
const stealText = () => {
  const now = cpuTicks();
  if (ticksAtLoad === undefined || now === undefined || now.total <= ticksAtLoad.total) return '';
  const share = (now.steal - ticksAtLoad.steal) / (now.total - ticksAtLoad.total);
  return `; CPU time stolen by the hypervisor during the bench: ${(share * 100).toFixed(1)}%`;
};
/** The last line of the targets: how many were met, how long the bench took (`began`: performance.now()). */
export const targetsMetLine = (met, count, began) =>
  `  ${String(met)} of ${String(count)} targets met; bench took ${((performance.now() - began) / 1000).toFixed(1)} s, ` +
  `load average (1 min) at end: ${loadAverage()}${stealText()}`;

/**
 * The targets block: `verdict(label, text, ok)` logs one line (PASS, MISS, or n/a when `ok` is undefined),
 * `note(label, text)` a line of figures that is no target (not counted), `end(began)` the count of those met.
 */
export function targets(log, labelWidth, textWidth) {
  let met = 0;
  let count = 0;
  return {
    verdict: (label, text, ok) => {
      count++;
      if (ok === true) met++;
      log(
        `  ${label.padEnd(labelWidth)} ${text.padStart(textWidth)}  ${ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS'}`,
      );
    },
    note: (label, text) => {
      log(`  ${label.padEnd(labelWidth)} ${text.padStart(textWidth)}  (info)`);
    },
    end: (began) => {
      log(targetsMetLine(met, count, began));
    },
  };
}
