// Example A: three independent jobs run in parallel.
// All three start at once, each ends after its own delay, and the whole run lasts about as long as the
// longest job (250 ms). Each job's result is its delay in milliseconds.
// Run: npx tsx examples/a-parallel.ts   (exit code 1 and a MISMATCH line when the behaviour differs)
import { Job, Scheduler } from '../lib/index.js';
import { makeChecker, makeTranscript } from './helpers.js';

const { said: lines, elapsed, inOut } = makeTranscript();
const check = makeChecker('a-parallel');

const a1 = new Job(() => inOut(100));
const a2 = new Job(() => inOut(200));
const a3 = new Job(() => inOut(250));

const sa = new Scheduler([a1, a2, a3]);
const ok = await sa.orchestrate();
const total = elapsed();
console.log(`orchestrate: ${String(ok)} in ${total.toFixed(0)} ms`);
console.log(`a1.result(): ${String(a1.result())}`);

check(ok, 'orchestrate() should resolve true');
check(lines.length === 6, `expected 6 in/out lines, got ${String(lines.length)}`);
const starts = lines.slice(0, 3);
check(
  starts.every((l) => l.text.startsWith('-> ') && l.at < 50),
  'the three jobs should all start at once, before any of them ends',
);
check(
  lines
    .slice(3)
    .map((l) => l.text)
    .join() === '<- inOut(100),<- inOut(200),<- inOut(250)',
  'the jobs should end in the order of their delays: 100, 200, 250',
);
check(
  a1.result() === 100 && a2.result() === 200 && a3.result() === 250,
  `results should be 100/200/250, got ${String(a1.result())}/${String(a2.result())}/${String(a3.result())}`,
);
check(
  total >= 240 && total < 450,
  `the run should last about 250 ms (the longest job), took ${total.toFixed(0)}`,
);
