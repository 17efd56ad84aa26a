// Line events: what making them plain data costs, in process (no SSH, no I/O), so that a shared machine's noise
// does not hide it. The same splitting loop cuts the same chunks of text lines (the `out` case of ssh.bench.mjs:
// 10 MiB of ~77-byte lines, in 32 KiB chunks) into events made two ways, in one script, rounds interleaved:
//   class (lazy)   the LineEvent class of rxjobs 0.1 (copied below): bytes kept, text decoded on first read
//   plain object   lineEvent() from dist/: `{ type, stream, text, newline, node, bytes }`, text decoded at once
//   plain, splitter  the LineSplitter of dist/ (what nodes use): plain objects, the texts of a chunk's lines
//                  decoded in one go and split on `\n`
// and consumed two ways: reading the bytes only (what writeHostFiles and writeLines do) and reading the text
// (lines(), stdout(), captureStdout of line events). Prints the medians in ns per line and the ratios.
// Run with `npm run build && node bench/line-events.bench.mjs`.
import { performance } from 'node:perf_hooks';

import { loadAverage, loadAverageLine, median } from './bench-kit.mjs';

const { lineEvent, nodeRef } = await import(new URL('../dist/index.js', import.meta.url).href);
const { LineSplitter } = await import(new URL('../dist/nodes/line-splitter.js', import.meta.url).href);

/** rxjobs 0.1's LineEvent, as it was: a class with a lazily decoded `text`. */
class LazyLineEvent {
  type = 'line';
  stream;
  bytes;
  newline;
  node;
  #text;
  constructor(stream, bytes, newline, node) {
    this.stream = stream;
    this.bytes = bytes;
    this.newline = newline;
    this.node = node;
  }
  get text() {
    return (this.#text ??= this.bytes.toString('utf8'));
  }
}

const MB = 1024 * 1024;
const CHUNK = 32 * 1024;
const BYTES = 10 * MB;
const ROUNDS = 15;

/** ~77-byte lines of text, a few with non-ASCII characters, cut into 32 KiB chunks. */
const makeChunks = (every) => {
  const lines = [];
  let size = 0;
  for (let i = 0; size < BYTES; i++) {
    const line = `${String(i).padStart(8, '0')} the quick brown fox jumps over the lazy dog ${i % every === 0 ? 'café ✓' : 'cafe'} ${'x'.repeat(i % 13)}`;
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  const all = Buffer.from(`${lines.join('\n')}\n`);
  const chunks = [];
  for (let at = 0; at < all.length; at += CHUNK) chunks.push(all.subarray(at, at + CHUNK));
  return { chunks, count: lines.length };
};

const node = nodeRef({ label: 'host', hostname: 'host.example.org', username: 'me', port: 22 });
const makers = {
  'class (lazy)': (bytes, newline) => new LazyLineEvent('stdout', bytes, newline, node),
  'plain object': (bytes, newline) => lineEvent('stdout', bytes, newline, node),
};

/** The line splitter's loop (lib/nodes/line-splitter.ts), for whole lines; returns a checksum. */
const split = (chunks, make, readText) => {
  let pending;
  let sum = 0;
  for (const chunk of chunks) {
    let start = 0;
    let nl = chunk.indexOf(0x0a, start);
    while (nl !== -1) {
      let bytes = chunk.subarray(start, nl);
      if (pending !== undefined) {
        bytes = Buffer.concat([pending, bytes]);
        pending = undefined;
      }
      const event = make(bytes, true);
      sum += readText ? event.text.length : event.bytes.length;
      start = nl + 1;
      nl = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) pending = Buffer.from(chunk.subarray(start));
  }
  return sum;
};

/** The same through the real LineSplitter. */
const splitReal = (chunks, readText) => {
  const splitter = new LineSplitter('stdout', node);
  let sum = 0;
  const emit = readText
    ? (event) => {
        sum += event.text.length;
      }
    : (event) => {
        sum += event.bytes.length;
      };
  for (const chunk of chunks) splitter.push(chunk, emit);
  return sum;
};
const variants = {
  'class (lazy)': (chunks, readText) => split(chunks, makers['class (lazy)'], readText),
  'plain object': (chunks, readText) => split(chunks, makers['plain object'], readText),
  'plain, splitter': splitReal,
};

const datasets = [
  ['ASCII lines', Infinity],
  ['1 line in 50 not ASCII', 50],
];
console.log(
  'line events: the LineEvent class of 0.1 (lazy text) against plain objects (text decoded at once)',
);
console.log(loadAverageLine());
for (const [dataset, every] of datasets) {
  const { chunks, count } = makeChunks(every);
  console.log(
    `\n${dataset}: node ${process.version}; ${count} lines (${(BYTES / MB).toFixed(0)} MiB in 32 KiB chunks), ${ROUNDS} rounds after 2 warm-up, medians`,
  );
  const results = {};
  for (const readText of [false, true]) {
    const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    for (let round = -2; round < ROUNDS; round++)
      for (const [name, run] of Object.entries(variants)) {
        const t0 = performance.now();
        run(chunks, readText);
        const ms = performance.now() - t0;
        if (round >= 0) times[name].push(ms);
      }
    const consumer = readText ? 'reading text' : 'reading bytes';
    for (const [name, ms] of Object.entries(times)) {
      const ns = (median(ms) * 1e6) / count;
      results[`${consumer}/${name}`] = ns;
      console.log(
        `${consumer.padEnd(14)} ${name.padEnd(16)} ${ns.toFixed(0).padStart(5)} ns/line  (${median(ms).toFixed(1)} ms per 10 MiB)`,
      );
    }
    for (const plain of ['plain object', 'plain, splitter']) {
      const ratio = results[`${consumer}/${plain}`] / results[`${consumer}/class (lazy)`];
      console.log(`${consumer.padEnd(14)} ${plain} / class  ${ratio.toFixed(2)}x`);
    }
  }
}
console.log(`load average (1 min) at end: ${loadAverage()}`);
