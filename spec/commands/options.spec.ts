import { expect } from 'chai';
import { filter, lastValueFrom, map, toArray } from 'rxjs';

import { Run } from '../../lib/commands/run.js';
import { RunScript } from '../../lib/commands/run-script.js';
import { RunString } from '../../lib/commands/run-string.js';
import { Service } from '../../lib/commands/service.js';
import { Pull, Push } from '../../lib/commands/transfer.js';
import type { ConfigError } from '../../lib/errors/config-error.js';
import { isJobsError } from '../../lib/errors/jobs-error.js';
import { Scheduler } from '../../lib/scheduler.js';
import { LocalNode } from '../../lib/nodes/local/local-node.js';
import { SshJob } from '../../lib/ssh-job/ssh-job.js';
import { thrown } from '../helpers/errors.js';

const configError = (f: () => unknown): ConfigError => {
  const e = thrown(f);
  expect(isJobsError(e, 'config'), String(e)).to.equal(true);
  return e as ConfigError;
};

/** Options as a plain JavaScript caller passes them: unchecked by the types. */
const untyped = (options: Record<string, unknown>): never => options as unknown as never;

describe('option checks of SshJob and the commands (plain JavaScript callers)', () => {
  const node = new LocalNode();
  after(() => node.close());

  describe('SshJob', () => {
    it("refuses apssh's required, which used to be dropped silently (B ran before A)", async () => {
      const a = new SshJob(node, 'sleep 0.2; echo A', { label: 'A' });
      const e = configError(() => new SshJob(node, 'echo B', untyped({ label: 'B', required: a })));
      expect([e.subject, e.field]).to.deep.equal(['job "B"', 'required']);
      expect(e.message).to.match(
        /^job "B": required is not an option of SshJob: write requires \(asynciojobs' required= is requires here\) \(accepted: .*requires.*keepConnection/,
      );
      // written as the error says, B waits for A
      const b = new SshJob(node, 'echo B', { label: 'B', requires: a });
      const lines = await lastValueFrom(
        new Scheduler([a, b]).run().pipe(
          filter((ev) => ev.type === 'value'),
          map((ev) => (ev.value as { text?: string }).text),
          filter((text) => text !== undefined),
          toArray(),
        ),
      );
      expect(lines).to.deep.equal(['A', 'B']);
    });

    it('refuses allowed_exits, which belongs to the commands, and snake_case keys of its own', () => {
      expect(configError(() => new SshJob(node, 'false', untyped({ allowed_exits: [1] }))).message).to.match(
        /^job \(a new SshJob\): allowed_exits is not an option of SshJob: allowedExits is an option of each command, e\.g\. new Run\('cmd', \{ allowedExits: \[1\] \}\)/,
      );
      expect(
        configError(() => new SshJob(node, 'true', untyped({ keep_connection: true }))).message,
      ).to.include(
        'keep_connection is not an option of SshJob: options are camelCase here, write keepConnection',
      );
      expect(configError(() => new SshJob(node, 'true', untyped({ verbose: true }))).field).to.equal(
        'verbose',
      );
    });

    it('checks the types of its own options', () => {
      expect(
        configError(() => new SshJob(node, 'true', untyped({ label: 'j', keepConnection: 'yes' }))).message,
      ).to.equal('job "j": keepConnection must be true or false, got string "yes"');
      expect(
        configError(() => new SshJob(node, 'true', untyped({ label: 'j', stderrTail: -1 }))).field,
      ).to.equal('stderrTail');
      expect(
        configError(() => new SshJob(node, 'true', untyped({ label: 'j', variables: new Map() }))).message,
      ).to.equal('job "j": variables must be a Variables (new Variables()), got an object (Map)');
      expect(
        configError(() => new SshJob(node, 'true', untyped({ label: 'j', critical: 'yes' }))).field,
      ).to.equal('critical');
    });
  });

  describe('commands', () => {
    it('Run, RunScript, RunString: unknown keys, with the camelCase spelling or the nearest key', () => {
      expect(configError(() => new Run('grep x f', untyped({ allowed_exits: [1] }))).message).to.equal(
        "Run: allowed_exits is not an option of Run: options are camelCase here, write allowedExits (not Python's allowed_exits) " +
          '(accepted: label, allowedExits, capture, env, stdin, pty, output)',
      );
      expect(configError(() => new Run('ls', untyped({ lable: 'x' }))).message).to.match(
        /^Run: lable is not an option of Run, did you mean label\?/,
      );
      expect(configError(() => new RunScript('s.sh', untyped({ include: ['a'] }))).message).to.match(
        /^RunScript: include is not an option of RunScript, did you mean includes\?/,
      );
      expect(configError(() => new RunString('echo', untyped({ remote_name: 'a.sh' }))).message).to.include(
        'write remoteName',
      );
      expect(configError(() => new Run('ls', untyped({ includes: ['a'] }))).message).to.include(
        'includes is not an option of Run: includes is an option of RunScript and RunString',
      );
    });

    it('Run, RunScript, RunString: known keys of the wrong type', () => {
      expect(configError(() => new Run('ls', untyped({ allowedExits: 1 }))).message).to.equal(
        "Run: allowedExits must be a list of exit codes or signal names, e.g. [1, 'TERM'], got number 1",
      );
      expect(configError(() => new Run('ls', untyped({ pty: 'yes' }))).field).to.equal('pty');
      expect(configError(() => new Run('ls', untyped({ env: { N: 3 } }))).field).to.equal('env');
      expect(configError(() => new Run('ls', untyped({ output: 'chunk' }))).message).to.equal(
        "Run: output must be 'lines' or 'chunks', got string \"chunk\"",
      );
      expect(configError(() => new RunString('echo', untyped({ includes: 'lib.sh' }))).field).to.equal(
        'includes',
      );
      expect(configError(() => new RunScript(undefined as never)).field).to.equal('localPath');
    });

    it('Push and Pull: unknown keys, allowedExits (which they would ignore), bad paths', () => {
      expect(configError(() => new Push('a', '/tmp', untyped({ recurse: true }))).message).to.equal(
        'Push: recurse is not an option of Push: Push and Pull always copy directories recursively (accepted: label, preserve)',
      );
      expect(configError(() => new Pull('a', '/tmp', untyped({ allowedExits: [1] }))).message).to.equal(
        'Pull: allowedExits is not an option of Pull: a transfer has no exit code to allow (it completes, or errors)',
      );
      expect(configError(() => new Pull('a', '/tmp', untyped({ preserve: 'no' }))).field).to.equal(
        'preserve',
      );
      expect(configError(() => new Pull('a', 5 as never)).message).to.equal(
        'Pull: localDir must be a directory name, got number 5',
      );
    });

    it('Service: unknown keys, options that are not an object, bad values', () => {
      expect(
        configError(() => new Service('iperf3 -s', untyped({ service_id: 'iperf' }))).message,
      ).to.include(
        'service "iperf3 -s": service_id is not an option of Service: options are camelCase here, write serviceId',
      );
      expect(configError(() => new Service('iperf3 -s', 'iperf' as never)).message).to.equal(
        'service "iperf3 -s": options of Service must be an object such as { serviceId: \'iperf\' }, got string "iperf"',
      );
      expect(
        configError(() => new Service('x', untyped({ serviceId: 'x', systemd: true }))).message,
      ).to.equal('service "x": systemd must be \'auto\' or false, got boolean true');
      const service = new Service('x', { serviceId: 'x' });
      expect(configError(() => service.stop(untyped({ lable: 'halt' }))).field).to.equal('lable');
    });
  });
});
