// Example D: a global timeout. A single forever job ticks every 100 ms; with nothing else to wait for, the
// run only ends when orchestrate({ timeout: 250 }) gives up: it resolves false, why() says it timed out,
// and the ticking job is cancelled after about three ticks (at 0, 100 and 200 ms).
// Run: npx tsx examples/d-timeout.ts   (exit code 1 and a MISMATCH line when the behaviour differs)
import { tap, timer } from 'rxjs';
import type { Observable } from 'rxjs';

import { Job, Scheduler } from '../lib/index.js';
import { makeChecker } from './helpers.js';

const check = makeChecker('d-timeout');

const started = performance.now();
const stamp = (): string => `+${(performance.now() - started).toFixed(0).padStart(4)} ms`;
let ticks = 0;

/** Ticks every 100 ms, starting at once, and never completes on its own. */
const forever = (): Observable<number> =>
  timer(0, 100).pipe(
    tap((i) => {
      ticks++;
      console.log(`${stamp()}: forever ${String(i)}`);
    }),
  );

const j = new Job(forever, { forever: true });
const sd = new Scheduler([j]);
const ok = await sd.orchestrate({ timeout: 250 });
console.log(`${stamp()}: scheduler: ${sd.why()}`);
console.log(`orchestrate: ${String(ok)}`);
console.log(sd.list());

check(!ok, 'orchestrate({ timeout: 250 }) should resolve false');
check(sd.failedTimeout(), 'failedTimeout() should be true');
check(
  /timed out/.test(sd.why()) && sd.why().includes('250'),
  `why() should mention the timeout: ${sd.why()}`,
);
check(ticks >= 2 && ticks <= 3, `expected 2 or 3 ticks within 250 ms, got ${String(ticks)}`);
check(j.isCancelled(), `the forever job should be cancelled by the timeout, is ${j.status}`);
