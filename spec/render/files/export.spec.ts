import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'chai';
import { of } from 'rxjs';

import { ConfigError, GraphvizError, isJobsError, Job, Scheduler, Sequence } from '../../../lib/index.js';
import { toDot } from '../../../lib/render/text/dot.js';
import { exportAsDotfile, exportAsGraphic } from '../../../lib/render/files/export.js';
import { rejection as rejectionOf } from '../../helpers/errors.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const exists = (path: string): Promise<boolean> =>
  readFile(path).then(
    () => true,
    () => false,
  );

/** A scheduler with a nested one, a critical job, a forever job and an awkward label. */
function sample(): Scheduler {
  const a = new Job(() => of(1), { label: 'prepare "all"', critical: true });
  const inner = new Scheduler([new Sequence(new Job(() => of(1), { label: 'i1' }), new Job(() => of(2)))], {
    label: 'inner',
  }).requires(a);
  const monitor = new Job(() => of(1), { label: 'monitor', forever: true });
  const b = new Job(() => of(1), { label: 'collect\nresults' }).requires(inner);
  return new Scheduler([a, inner, monitor, b], { label: 'main' });
}

describe('export', () => {
  let dir = '';
  let savedPath: string | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxjobs-export-'));
    if (spawnSync('dot', ['-V']).error !== undefined)
      throw new Error("these tests need graphviz's dot: apt-get install graphviz (or brew install graphviz)");
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    savedPath = process.env['PATH'];
  });
  afterEach(() => {
    if (savedPath === undefined) delete process.env['PATH'];
    else process.env['PATH'] = savedPath;
  });

  /** A fresh empty directory under the suite's temp dir. */
  const subdir = async (name: string): Promise<string> => {
    const path = join(dir, name);
    await mkdir(path);
    return path;
  };

  describe('exportAsDotfile', () => {
    it('writes toDot() to the file and resolves to a message naming it, leaving no temporary file', async () => {
      const d = await subdir('dotfile');
      const path = join(d, 'graph.dot');
      const s = sample();
      expect(await exportAsDotfile(s, path)).to.equal(`wrote ${path}`);
      expect(await readFile(path, 'utf8')).to.equal(toDot(s));
      expect(await readdir(d)).to.deep.equal(['graph.dot']);
    });

    it('replaces an existing file, through scheduler.exportAsDotfile()', async () => {
      const d = await subdir('dotfile-replace');
      const path = join(d, 'graph.dot');
      await writeFile(path, 'old content');
      const s = sample();
      expect(await s.exportAsDotfile(path)).to.equal(`wrote ${path}`);
      expect(await readFile(path, 'utf8')).to.equal(toDot(s));
      expect(await readdir(d)).to.deep.equal(['graph.dot']);
    });

    it('rejects with an error naming the path, the fs error as its cause', async () => {
      const path = join(dir, 'no-such-dir', 'graph.dot');
      const e = await rejectionOf(exportAsDotfile(sample(), path));
      expect(e).to.be.instanceOf(Error);
      expect((e as Error).message).to.include(path);
      expect((e as Error).cause).to.include({ code: 'ENOENT' });
    });

    it('leaves nothing behind when the rename fails', async () => {
      const d = await subdir('dotfile-rename');
      const path = join(d, 'taken');
      await mkdir(path);
      await writeFile(join(path, 'keep'), 'x');
      const e = await rejectionOf(exportAsDotfile(sample(), path));
      expect((e as Error).message).to.include(path);
      expect((e as Error).cause)
        .to.have.property('code')
        .that.is.a('string');
      expect(await readdir(d)).to.deep.equal(['taken']);
    });
  });

  describe('exportAsGraphic', () => {
    it('renders an SVG with graphviz', async () => {
      const d = await subdir('svg');
      const path = join(d, 'graph.svg');
      expect(await exportAsGraphic(sample(), path, 'svg')).to.equal(`wrote ${path}`);
      const svg = await readFile(path, 'utf8');
      expect(svg.startsWith('<?xml') || svg.includes('<svg')).to.equal(true);
      expect(svg).to.include('<svg');
      expect(svg).to.include('cluster_');
      expect(svg).to.include('prepare &quot;all&quot;');
      expect(await readdir(d)).to.deep.equal(['graph.svg']);
    });

    it('renders a PNG through scheduler.exportAsPngfile()', async () => {
      const d = await subdir('png');
      const path = join(d, 'graph.png');
      expect(await sample().exportAsPngfile(path)).to.equal(`wrote ${path}`);
      const png = await readFile(path);
      expect(png.subarray(0, 8).equals(PNG_MAGIC)).to.equal(true);
      expect(png.length).to.be.greaterThan(100);
      expect(await readdir(d)).to.deep.equal(['graph.png']);
    });

    it('renders through scheduler.exportAsSvgfile() and exportAsGraphic()', async () => {
      const d = await subdir('methods');
      const s = sample();
      expect(await s.exportAsSvgfile(join(d, 'a.svg'))).to.equal(`wrote ${join(d, 'a.svg')}`);
      expect(await s.exportAsGraphic(join(d, 'b.svg'), 'svg')).to.equal(`wrote ${join(d, 'b.svg')}`);
      expect(await readFile(join(d, 'a.svg'), 'utf8')).to.include('<svg');
      expect((await readdir(d)).sort()).to.deep.equal(['a.svg', 'b.svg']);
    });

    it('rejects with a GraphvizError saying how to install graphviz when dot is not on the PATH', async () => {
      const d = await subdir('missing');
      process.env['PATH'] = await subdir('empty-bin');
      const path = join(d, 'graph.svg');
      const e = await rejectionOf(exportAsGraphic(sample(), path, 'svg'));
      expect(e).to.be.instanceOf(GraphvizError);
      expect(isJobsError(e, 'graphviz')).to.equal(true);
      const error = e as GraphvizError;
      expect(error.code).to.equal('graphviz');
      expect(error.name).to.equal('GraphvizError');
      expect(error.reason).to.equal('missing');
      expect(error.path).to.equal(path);
      expect(error.message).to.include('`dot`');
      expect(error.message).to.include('apt-get install graphviz');
      expect(error.message).to.include('brew install graphviz');
      expect(error.cause).to.include({ code: 'ENOENT' });
      expect(await readdir(d)).to.deep.equal([]);
    });

    it("rejects with a GraphvizError carrying dot's stderr when dot fails, leaving no file", async () => {
      const d = await subdir('failure');
      const path = join(d, 'graph.out');
      const e = await rejectionOf(exportAsGraphic(sample(), path, 'nosuchformat'));
      expect(e).to.be.instanceOf(GraphvizError);
      const error = e as GraphvizError;
      expect(error.code).to.equal('graphviz');
      expect(error.reason).to.equal('failed');
      expect(error.exitCode).to.be.a('number').and.not.equal(0);
      expect(error.stderr).to.include('nosuchformat');
      expect(error.message).to.include(path);
      expect(error.message).to.include(error.stderr.trim());
      expect(await exists(path)).to.equal(false);
      expect(await readdir(d)).to.deep.equal([]);
    });

    it('keeps an existing file intact when dot fails', async () => {
      const d = await subdir('failure-keep');
      const path = join(d, 'graph.svg');
      await writeFile(path, 'previous');
      expect(await rejectionOf(exportAsGraphic(sample(), path, 'nosuchformat'))).to.be.instanceOf(
        GraphvizError,
      );
      expect(await readFile(path, 'utf8')).to.equal('previous');
      expect(await readdir(d)).to.deep.equal(['graph.svg']);
    });

    for (const [i, format] of ['SVG', 'svg -o /tmp/x', 'svg;rm', '../svg', '', '-Tsvg'].entries())
      it(`rejects the format ${JSON.stringify(format)} with a ConfigError, before running dot`, async () => {
        const d = await subdir(`bad-format-${String(i)}`);
        // with no dot on the PATH, reaching dot would be a GraphvizError instead
        process.env['PATH'] = await subdir(`bad-format-${String(i)}-bin`);
        const e = await rejectionOf(exportAsGraphic(sample(), join(d, 'graph'), format));
        expect(e).to.be.instanceOf(ConfigError);
        expect(isJobsError(e, 'config')).to.equal(true);
        expect((e as ConfigError).field).to.equal('format');
        expect((e as ConfigError).message).to.include(JSON.stringify(format));
        expect(await readdir(d)).to.deep.equal([]);
      });
  });
});
