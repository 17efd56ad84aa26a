// Scheduler.list({ print }) and debrief({ print }): the listings written to stdout (render/print-list.ts).
import { expect } from 'chai';

import { Scheduler } from '../../lib/index.js';
import { localeIsUtf8 } from '../../lib/render/print-list.js';
import { labelJob as job } from '../helpers/jobs.js';

describe('Scheduler.list()', () => {
  describe('print', () => {
    // process.stdout.write comes from a prototype; the stub is an own property, deleted to restore
    const before = Object.getOwnPropertyDescriptor(process.stdout, 'write');
    const restore = (): void => {
      if (before === undefined) Reflect.deleteProperty(process.stdout, 'write');
      else Object.defineProperty(process.stdout, 'write', before);
    };
    let written: string[];

    /** Runs `f` with process.stdout.write capturing into `written` (restored at once, so mocha can report). */
    const capturing = <T>(f: () => T): T => {
      written = [];
      process.stdout.write = (chunk: string | Uint8Array): boolean => {
        written.push(String(chunk));
        return true;
      };
      try {
        return f();
      } finally {
        restore();
      }
    };

    afterEach(restore);

    it('writes the listing to stdout with print: true, and returns it', () => {
      const scheduler = new Scheduler([job('a'), job('b')]);
      const text = capturing(() => scheduler.list({ print: true, ascii: false }));
      expect(text).to.equal(scheduler.list());
      expect(written).to.deep.equal([`${text}\n`]);
      const ascii = capturing(() => scheduler.list({ print: true, ascii: true }));
      expect(written).to.deep.equal([`${scheduler.list({ ascii: true })}\n`]);
      expect(ascii).to.equal(scheduler.list({ ascii: true }));
      const debrief = capturing(() => scheduler.debrief({ print: true }));
      expect(written).to.deep.equal([`${debrief}\n`]);
    });

    it('writes nothing without print', () => {
      const scheduler = new Scheduler([job('a')]);
      capturing(() => [scheduler.list(), scheduler.list({ print: false }), scheduler.debrief()]);
      expect(written).to.deep.equal([]);
    });
  });
});

describe('localeIsUtf8', () => {
  it('reads LC_ALL, then LC_CTYPE, then LANG; unset or empty counts as UTF-8', () => {
    expect(localeIsUtf8({})).to.equal(true);
    expect(localeIsUtf8({ LANG: '' })).to.equal(true);
    expect(localeIsUtf8({ LANG: 'en_US.UTF-8' })).to.equal(true);
    expect(localeIsUtf8({ LANG: 'C' })).to.equal(false);
    expect(localeIsUtf8({ LC_ALL: 'C', LANG: 'en_US.utf8' })).to.equal(false);
    expect(localeIsUtf8({ LC_ALL: '', LC_CTYPE: 'fr_FR.UTF-8', LANG: 'C' })).to.equal(true);
  });
});
