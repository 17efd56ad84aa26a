// The report in a real browser: headless chromium (spec/helpers/chromium.ts) opens report.html from disk and
// the DOM is checked (one timeline bar per job and per host, the failures at the top, hostile labels shown as
// text), with no console error and no request but the file itself; a screenshot is saved (docs/report.png
// with RXJOBS_UPDATE_SCREENSHOT=1); a 1,000-job report loads and renders within 2 s.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { expect } from 'chai';

import { writeReport } from '../../lib/report/write-report.js';
import type { Page } from '../helpers/chromium.js';
import { browserTestsOff, Chromium } from '../helpers/chromium.js';
import { ROOT } from '../helpers/cli.js';
import { bigRun, fakeRun, recordedRun, sampleRun } from '../helpers/run-dir.js';

describe('the HTML report in headless chromium', function () {
  this.timeout(60_000);
  let browser: Chromium | undefined;
  let scratch = '';
  /** Kept after the tests: the screenshots. */
  let output: string;

  before(async function () {
    if (browserTestsOff()) {
      console.log('      (RXJOBS_NO_BROWSER=1: browser tests left out)');
      this.skip();
    }
    browser = await Chromium.launch({ lifetimeMs: 120_000 });
    scratch = await mkdtemp(join(tmpdir(), 'rxjobs-report-browser-'));
    output = await mkdtemp(join(tmpdir(), 'rxjobs-report-screenshots-'));
    console.log(`      test output (screenshots): ${output}`);
  });

  after(async () => {
    await browser?.close();
  });

  const open = async (
    dir: string,
    size?: { width: number; height: number },
  ): Promise<{ page: Page; url: string }> => {
    const file = await writeReport(dir);
    const url = pathToFileURL(file).href;
    if (browser === undefined) throw new Error('no browser');
    return { page: await browser.openPage(url, size), url };
  };

  it('shows the failures first, one bar per job and per host, labels as text; no error, no request', async () => {
    const dir = await sampleRun().write(join(scratch, 'sample'));
    const { page, url } = await open(dir);
    const bars = await page.evaluate<number>(`document.querySelectorAll('#timeline rect.bar').length`);
    expect(bars, 'one bar per job (8 jobs: 4 members of the group, 4 others)').to.equal(8);
    const hosts = await page.evaluate<string[]>(
      `[...document.querySelectorAll('#timeline rect.bar[data-host]')].map((e) => e.getAttribute('data-host')).sort()`,
    );
    expect(hosts).to.deep.equal(['fit01', 'fit02', 'fit03', 'fit04']);
    const failures = await page.evaluate<string[]>(
      `[...document.querySelectorAll('#failures tr')].slice(1).map((r) => r.textContent)`,
    );
    expect(failures).to.have.length(1);
    expect(failures[0]).to.include('measure / measure@fit03').and.include('fit03').and.include('exit 3');
    const failuresBeforeGraph = await page.evaluate<boolean>(
      `!!(document.querySelector('#failures').compareDocumentPosition(document.querySelector('#graph')) & Node.DOCUMENT_POSITION_FOLLOWING)`,
    );
    expect(failuresBeforeGraph, 'the failures come before the graph').to.equal(true);
    expect(await page.evaluate<string>(`document.querySelector('#outcome').textContent`)).to.equal('failure');
    expect(await page.evaluate<number>('document.scripts.length'), 'no script element').to.equal(0);
    const text = await page.evaluate<string>('document.body.textContent');
    expect(text)
      .to.include('<script>alert(1)</script>')
      .and.include('<b>evil</b>')
      .and.include('<script>alert(3)</script>');
    expect(await page.evaluate<number>(`document.querySelectorAll('img').length`)).to.equal(0);
    const graphNodes = await page.evaluate<number>(`document.querySelectorAll('#graph .node').length`);
    expect(graphNodes, 'the group is one node').to.equal(5);
    expect(page.errors, 'console errors').to.deep.equal([]);
    expect(page.requests, 'requests').to.deep.equal([url]);
    const png = await page.screenshot();
    await writeFile(join(output, 'report.png'), png);
    console.log(`      screenshot: ${join(output, 'report.png')} (${String(png.length)} bytes)`);
    if (process.env['RXJOBS_UPDATE_SCREENSHOT'] === '1') {
      // the same run without the hostile labels, for the README
      const docs = await open(await sampleRun({ hostile: false }).write(join(scratch, 'docs')));
      const shot = await docs.page.screenshot();
      expect(docs.page.errors).to.deep.equal([]);
      expect(shot.length, 'docs/report.png stays small').to.be.at.most(200 * 1024);
      await writeFile(join(ROOT, 'docs', 'report.png'), shot);
      console.log('      wrote docs/report.png');
    }
  });

  it('a run recorded by the library: a bar per job and per host, the failure listed, no error', async () => {
    const dir = join(scratch, 'recorded');
    expect(await recordedRun(dir)).to.equal(true);
    const { page, url } = await open(dir);
    expect(await page.evaluate<number>(`document.querySelectorAll('#timeline rect.bar').length`)).to.equal(8);
    const hosts = await page.evaluate<string[]>(
      `[...document.querySelectorAll('#timeline rect.bar[data-host]')].map((e) => e.getAttribute('data-host')).sort()`,
    );
    expect(hosts).to.deep.equal(['n1', 'n2', 'n3', 'n4']);
    const failures = await page.evaluate<string>(`document.querySelector('#failures').textContent`);
    expect(failures).to.include('bad').and.include('exit 5').and.not.include('measure@n3');
    const tolerated = await page.evaluate<string>(`document.querySelector('#tolerated').textContent`);
    expect(tolerated).to.include('measure@n3').and.include('exit 3');
    // `bad` failed (not critical): the run's work is not all done, a failure by the record's rule (#6)
    expect(await page.evaluate<string>(`document.querySelector('#outcome').textContent`)).to.equal('failure');
    expect(await page.evaluate<string>(`document.querySelector('#headline').textContent`)).to.equal(
      '1 job failed (not critical); 1 failure tolerated',
    );
    expect(page.errors).to.deep.equal([]);
    expect(page.requests).to.deep.equal([url]);
  });

  it('opens a report of an interrupted run with a cut journal, and says so', async () => {
    const run = fakeRun()
      .job('a', { node: 'localhost', commands: ['true'], at: [0, 100] })
      .job('b', {
        node: 'localhost',
        requires: ['a'],
        commands: ['sleep 100'],
        at: [150, 150],
        end: { type: 'running' },
      });
    run.tail = '{"ts":"2026-12-07T15:00:00.300Z","type":"exit","key":"b","ho';
    const dir = await run.write(join(scratch, 'interrupted'));
    const { page, url } = await open(dir);
    expect(await page.evaluate<string>(`document.querySelector('#outcome').textContent`)).to.equal(
      'interrupted',
    );
    const problems = await page.evaluate<string>(`document.querySelector('#problems').textContent`);
    expect(problems).to.include('interrupted').and.include('cut short');
    expect(await page.evaluate<number>(`document.querySelectorAll('#timeline rect.bar').length`)).to.equal(2);
    expect(page.errors).to.deep.equal([]);
    expect(page.requests).to.deep.equal([url]);
  });

  it('a 1000-px window: the timeline fits, no sideways scroll, the last bar and the axis end in view', async () => {
    const dir = await sampleRun().write(join(scratch, 'narrow'));
    const { page } = await open(dir, { width: 1000, height: 800 });
    const box = await page.evaluate<{ right: number; scroll: number; client: number; page: number }>(
      `(() => { const t = document.querySelector('#timeline'); const s = t.parentElement;
        return { right: t.getBoundingClientRect().right, scroll: s.scrollWidth, client: s.clientWidth,
                 page: document.documentElement.scrollWidth }; })()`,
    );
    expect(box.scroll, 'the timeline scrolls sideways').to.be.at.most(box.client);
    expect(box.page, 'the page scrolls sideways').to.be.at.most(1000);
    expect(box.right).to.be.at.most(1000);
    const last = await page.evaluate<number>(
      `Math.max(...[...document.querySelectorAll('#timeline rect.bar, #timeline text.axis')].map((e) => e.getBoundingClientRect().right))`,
    );
    expect(last, 'the last bar or tick label is cut').to.be.at.most(box.right);
    await writeFile(join(output, 'narrow.png'), await page.screenshot());
  });

  it('a resumed run: restored jobs hatched in graph and timeline, "restored" in the list; the header in words', async () => {
    const earlier = await fakeRun()
      .job('load', { node: 'here', at: [0, 500], stdout: 'loaded\n' })
      .job('b', {
        node: 'here',
        requires: ['load'],
        at: [500, 900],
        end: { type: 'failed', code: 1, message: 'x' },
      })
      .end(1000, 'failure')
      .write(join(scratch, 'earlier'));
    const run = fakeRun()
      .job('load', { node: 'here', end: { type: 'restored', ts: 1 } })
      .job('b', { node: 'here', requires: ['load'], at: [2, 400] })
      .job('c', {
        node: 'here',
        requires: ['b'],
        at: [400, 600],
        critical: false,
        end: { type: 'failed', code: 3, message: 'y' },
      })
      .end(700, 'failure', 'fine: every job completed (1 failed, not critical)');
    run.runFields = { resumedFrom: earlier };
    const { page, url } = await open(await run.write(join(scratch, 'resumed')));
    const fill = (selector: string): Promise<string> =>
      page.evaluate<string>(`getComputedStyle(document.querySelector('${selector}')).fill`);
    expect(await fill('#timeline rect.bar[data-j="0"]')).to.match(/url\(.*#timeline-hatch"?\)/);
    expect(await fill('#graph .node rect')).to.match(/url\(.*#graph-hatch"?\)/);
    expect(await fill('#timeline rect.bar[data-j="1"]')).to.equal('rgb(46, 157, 74)');
    const rows = await page.evaluate<string[]>(
      `[...document.querySelectorAll('#timeline rect.bar')].map((r) => r.getAttribute('data-j'))`,
    );
    expect(rows, 'plan order').to.deep.equal(['0', '1', '2']);
    const axis = await page.evaluate<{ text: number; svg: number }>(
      `({ text: Math.max(...[...document.querySelectorAll('#timeline text.axis')].map((e) => e.getBoundingClientRect().right)),
          svg: document.querySelector('#timeline').getBoundingClientRect().right })`,
    );
    expect(axis.text, 'the label of the last tick is cut').to.be.at.most(axis.svg);
    const width = await page.evaluate<number>(
      `document.querySelector('#timeline rect.bar[data-j="0"]').getBoundingClientRect().width`,
    );
    expect(width, 'a visible mark, not a 0-ms sliver').to.be.at.least(5);
    expect(await page.evaluate<string>(`document.querySelector('#j0 .st').textContent`)).to.equal(
      'restored (done in the run resumed)',
    );
    expect(await page.evaluate<string>(`document.querySelector('#resumed').textContent`)).to.equal(
      'Resumed from ../earlier: 1 job restored (done there, not run again), 2 run',
    );
    expect(await page.evaluate<string>(`document.querySelector('#outcome').textContent`)).to.equal('failure');
    const header = await page.evaluate<string>(`document.querySelector('#summary').textContent`);
    expect(header).to.include('1 job failed (not critical)').and.not.include('fine:');
    expect(page.errors).to.deep.equal([]);
    expect(page.requests).to.deep.equal([url]);
    await writeFile(join(output, 'resumed.png'), await page.screenshot());
  });

  it('loads and renders a 1,000-job report within 2 s', async () => {
    const dir = await bigRun(1000).write(join(scratch, 'big'));
    const { page, url } = await open(dir);
    // from the start of navigation to the first frames painted after the load event
    const ms = await page.evaluate<number>(
      `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now()))))`,
    );
    const load = await page.evaluate<number>(`performance.getEntriesByType('navigation')[0].loadEventEnd`);
    console.log(`      1,000 jobs: load event at ${load.toFixed(0)} ms, rendered at ${ms.toFixed(0)} ms`);
    expect(await page.evaluate<number>(`document.querySelectorAll('#timeline rect.bar').length`)).to.equal(
      1000,
    );
    expect(page.errors).to.deep.equal([]);
    expect(await page.evaluate<number>(`document.querySelectorAll('details.job[open]').length`)).to.equal(0);
    expect(
      await page.evaluate<number>(`document.querySelectorAll('svg').length`),
      'graph and timeline',
    ).to.equal(2);
    expect(page.requests).to.deep.equal([url]);
    expect(ms).to.be.at.most(2000);
    await writeFile(join(output, 'big.png'), await page.screenshot());
  });

  after(async () => {
    if (scratch !== '' && process.env['RXJOBS_KEEP_REPORTS'] !== '1')
      await rm(scratch, { recursive: true, force: true });
  });
});
