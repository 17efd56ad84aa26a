import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';

import type { ConfigError } from '../../lib/errors/config-error.js';
import { isJobsError } from '../../lib/errors/jobs-error.js';
import { LocalNode } from '../../lib/nodes/local/local-node.js';
import { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import { rejection, thrown } from '../helpers/errors.js';

const configError = (f: () => unknown): ConfigError => {
  const e = thrown(f);
  expect(isJobsError(e, 'config'), String(e)).to.equal(true);
  return e as ConfigError;
};

/** Options as a plain JavaScript caller passes them: unchecked by the types. */
const untyped = (options: Record<string, unknown>): never => options as unknown as never;

describe('option checks of the nodes (plain JavaScript callers)', () => {
  describe('SshNode', () => {
    it('refuses an unknown key, naming the class, the key and the nearest known one', () => {
      const e = configError(() => new SshNode(untyped({ hostname: 'h', prot: 2222 })));
      expect([e.subject, e.field]).to.deep.equal(['node "h"', 'prot']);
      expect(e.message).to.match(
        /^node "h": prot is not an option of SshNode, did you mean port\? \(accepted: hostname, /,
      );
      expect(configError(() => new SshNode(untyped({ hostname: 'h', user: 'root' }))).message).to.include(
        'user is not an option of SshNode: write username (the remote user)',
      );
      expect(
        configError(() => new SshNode(untyped({ hostname: 'h', connect_timeout: 5 }))).message,
      ).to.include('write connectTimeout');
      expect(configError(() => new SshNode(untyped({ hostname: 'h', formatter: {} }))).message).to.include(
        'formatter is not an option of SshNode: output is shown by renderers',
      );
    });

    it('checks the types of known keys, saying what was given', () => {
      expect(configError(() => new SshNode(untyped({ hostname: 'h', port: '22' }))).message).to.equal(
        'node "h": port must be an integer from 1 to 65535, got string "22"',
      );
      expect(
        configError(() => new SshNode(untyped({ hostname: 'h', keys: '~/.ssh/id_rsa' }))).message,
      ).to.equal(
        `node "h": keys must be a list of private key files, e.g. ['~/.ssh/id_ed25519'], got string "~/.ssh/id_rsa"`,
      );
      expect(configError(() => new SshNode(untyped({ hostname: 'h', username: 0 }))).field).to.equal(
        'username',
      );
      expect(configError(() => new SshNode(untyped({ hostname: 'h', keepalive: '5s' }))).message).to.equal(
        'node "h": keepalive must be a duration in milliseconds, 0 or more, got string "5s"',
      );
      expect(configError(() => new SshNode(untyped({ hostname: '' }))).field).to.equal('hostname');
      expect(configError(() => new SshNode(42 as never)).message).to.match(
        /^node \(a new SshNode\): options must be/,
      );
    });

    it("takes a string, as apssh's SshNode('host'): host, user@host, user@host:port", () => {
      const plain = new SshNode('fit01');
      expect([plain.hostname, plain.username, plain.toString()]).to.deep.equal(['fit01', undefined, 'fit01']);
      const full = new SshNode('root@fit01:2222', { label: 'f', sshConfig: false });
      expect(full.options).to.deep.equal({
        label: 'f',
        sshConfig: false,
        hostname: 'fit01',
        username: 'root',
        port: 2222,
      });
      expect(full.toString()).to.equal('root@fit01:2222');
    });

    it('refuses a string it cannot read, and an option given twice, saying what to write', () => {
      // a URL habit: the password never reaches the message
      const withPassword = configError(() => new SshNode('me:pw-MARKER@fit01')).message;
      expect(withPassword).to.not.contain('pw-MARKER');
      expect(withPassword).to.contain('"me:[redacted]@fit01"');
      expect(configError(() => new SshNode('fe80::1')).message).to.equal(
        'node "fe80::1": hostname cannot be read from "fe80::1": write new SshNode(\'host\'), ' +
          "new SshNode('user@host:port'), or new SshNode({ hostname, username, port }) (an IPv6 address, or a gateway, only that way)",
      );
      expect(configError(() => new SshNode('gw->fit01')).field).to.equal('hostname');
      expect(configError(() => new SshNode('root@fit01', untyped({ username: 'other' }))).message).to.equal(
        'node "root@fit01": username is given twice, in "root@fit01" and in the options: give it once',
      );
      expect(configError(() => new SshNode('fit01', untyped({ hostname: 'x' }))).field).to.equal('hostname');
      expect(configError(() => new SshNode('fit01', untyped({ usrname: 'x' }))).message).to.match(
        /^node "fit01": usrname is not an option of SshNode, did you mean username\?/,
      );
      expect(configError(() => new SshNode({ hostname: 'h' } as never, untyped({ port: 2 }))).field).to.equal(
        'options',
      );
    });
  });

  describe('LocalNode', () => {
    const node = new LocalNode();
    after(() => node.close());

    it('refuses an unknown key and known keys of the wrong type', () => {
      expect(configError(() => new LocalNode(untyped({ shel: '/bin/bash' }))).message).to.equal(
        'LocalNode "localhost": shel is not an option of LocalNode, did you mean shell? ' +
          '(accepted: label, shell, scriptDir, killGrace)',
      );
      expect(configError(() => new LocalNode(untyped({ label: 'l', killGrace: '500' }))).message).to.equal(
        'LocalNode "l": killGrace must be a number of ms ≥ 0, got string "500"',
      );
      expect(configError(() => new LocalNode(untyped({ shell: 5 }))).field).to.equal('shell');
    });

    it('exec, push and pull: an unknown option is an error when subscribed, before anything runs', async () => {
      const e = await rejection(
        lastValueFrom(node.exec('true', untyped({ environment: { A: 'b' } })).pipe(toArray())),
      );
      expect(isJobsError(e, 'config') && e.message).to.equal(
        'node "localhost": environment is not an option of exec (accepted: env, stdin, pty, output, maxLineBytes, flow)',
      );
      const bad = await rejection(
        lastValueFrom(node.exec('true', untyped({ env: { N: 1 } })).pipe(toArray())),
      );
      expect((bad as ConfigError).field).to.equal('env');
      const push = await rejection(
        lastValueFrom(node.push(['a'], '/tmp/x', untyped({ preseve: true })), { defaultValue: 0 }),
      );
      expect((push as ConfigError).message).to.match(
        /^node "localhost": preseve is not an option of push, did you mean preserve\?/,
      );
      const pull = await rejection(
        lastValueFrom(node.pull(['a'], '/tmp/x', untyped({ preserve: 1 })), { defaultValue: 0 }),
      );
      expect((pull as ConfigError).field).to.equal('preserve');
      const renamed = await rejection(
        lastValueFrom(node.pull(['a'], '/tmp/x', untyped({ onRenamed: 'log' })), { defaultValue: 0 }),
      );
      expect((renamed as ConfigError).message).to.equal(
        'node "localhost": onRenamed must be a function, got string "log"',
      );
    });
  });
});
