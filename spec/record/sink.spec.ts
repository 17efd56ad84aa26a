import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect } from 'chai';

import { Flow } from '../../lib/index.js';
import { FileSink, WriteBudget } from '../../lib/record/sink.js';

describe('record/sink', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rxjobs-sink-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the flow while the files hold more than the budget, and releases it below half of it', () => {
    const flow = new Flow();
    const budget = new WriteBudget(flow, 100);
    budget.add(60);
    expect(flow.held).to.equal(false);
    budget.add(60);
    expect(flow.held).to.equal(true);
    budget.done(60);
    expect(flow.held).to.equal(true); // 60 pending: above half
    budget.done(20);
    expect(flow.held).to.equal(false);
  });

  it('writes lines and chunks in order, the exact bytes, and gives the budget back once written', async () => {
    const flow = new Flow();
    const budget = new WriteBudget(flow, 10);
    const file = path.join(dir, 'out');
    const sink = new FileSink(file, (p, e) => expect.fail(`${p}: ${String(e)}`), budget);
    sink.line(Buffer.from('one'), true);
    sink.bytes(Buffer.from('two bytes past the budget\n'));
    expect(flow.held).to.equal(true);
    sink.line(Buffer.from([0xff]), false);
    await sink.close();
    expect(flow.held).to.equal(false);
    expect(readFileSync(file)).to.deep.equal(Buffer.from('one\ntwo bytes past the budget\n\xff', 'latin1'));
  });
});
