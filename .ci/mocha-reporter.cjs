// The spec reporter, plus the run's stats written to .ci-out/mocha-stats.json so that .ci/run can print
// the plain "N passed, N failed" line the CI reads (mocha's own summary says "passing").
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

class CiReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const dir = path.join(process.cwd(), '.ci-out');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'mocha-stats.json'), JSON.stringify(this.stats));
    });
  }
}

module.exports = CiReporter;
