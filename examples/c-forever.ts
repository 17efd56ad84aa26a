// Example C: a forever job. The jobs post their in/out messages on a message bus instead of printing them,
// and a `monitor` job (forever: true) prints what arrives. The scheduler never waits for a forever job:
// once c1, c2 and c3 are done it cancels the monitor, orchestrate() resolves true, and list() shows the
// monitor cancelled, with no result.
// Run: npx tsx examples/c-forever.ts   (exit code 1 and a MISMATCH line when the behaviour differs)
import { defer, map, ReplaySubject, tap, timer } from 'rxjs';
import type { Observable, Subject } from 'rxjs';

import { Job, Scheduler } from '../lib/index.js';
import { makeChecker } from './helpers.js';

const check = makeChecker('c-forever');

// The bus is a Subject: jobs push with next(), the monitor subscribes. It must buffer, as an asyncio.Queue
// does: all entry jobs start in the same instant, c1 and c2 post their first message as they start, and
// the monitor (listed last) subscribes after them. A plain Subject would drop those two messages; a
// ReplaySubject with an unbounded buffer hands them all to the monitor when it subscribes.
const messageBus: Subject<string> = new ReplaySubject<string>(Infinity);
const printed: string[] = [];

/** The monitor's work: print every message of the bus, forever (the bus never completes). */
const monitorLoop = (bus: Observable<string>): Observable<string> =>
  bus.pipe(
    tap((message) => {
      const line = `BUS: ${message}`;
      printed.push(line);
      console.log(line);
    }),
  );

/** Posts when it starts and ends, waits `ms` in between, and yields ms / 100 as its result. */
const inOutBus = (ms: number, bus: Subject<string>): Observable<number> =>
  defer(() => {
    bus.next(`-> inOutBus(${String(ms)})`);
    return timer(ms).pipe(
      map(() => {
        bus.next(`<- inOutBus(${String(ms)})`);
        return ms / 100;
      }),
    );
  });

const c1 = new Job(() => inOutBus(200, messageBus), { label: 'c1' });
const c2 = new Job(() => inOutBus(400, messageBus), { label: 'c2' });
const c3 = new Job(() => inOutBus(300, messageBus), { label: 'c3' });
const c4 = new Job(() => monitorLoop(messageBus), { forever: true, label: 'monitor' });
c3.requires(c1);

const sc = new Scheduler([c1, c2, c3, c4]);
const started = performance.now();
const ok = await sc.orchestrate();
const total = performance.now() - started;
console.log(`orchestrate: ${String(ok)} in ${total.toFixed(0)} ms`);
const listing = sc.list();
console.log(listing);

check(ok, 'orchestrate() should resolve true: a forever job is not waited for');
const expected = [
  'BUS: -> inOutBus(200)',
  'BUS: -> inOutBus(400)',
  'BUS: <- inOutBus(200)',
  'BUS: -> inOutBus(300)',
  'BUS: <- inOutBus(400)',
  'BUS: <- inOutBus(300)',
];
check(
  printed.join() === expected.join(),
  `the monitor should print ${expected.join(' / ')}; printed ${printed.join(' / ')}`,
);
check(
  c1.result() === 2 && c2.result() === 4 && c3.result() === 3,
  `results should be 2/4/3, got ${String(c1.result())}/${String(c2.result())}/${String(c3.result())}`,
);
check(c4.isCancelled() && c4.result() === undefined, `the monitor should be cancelled, is ${c4.status}`);
check(
  listing.split('\n').some((l) => l.includes('`monitor`') && l.includes('[cancelled]') && l.includes('∞')),
  'list() should show the monitor as a cancelled forever job',
);
check(total >= 490 && total < 700, `the run should end with c3, at about 500 ms; took ${total.toFixed(0)}`);
