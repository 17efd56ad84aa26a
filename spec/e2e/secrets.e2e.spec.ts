// Nothing a user can log shows a secret: console.log, console.error, util.inspect and JSON.stringify of a
// node, a job, an event (command and scheduler events) and an error never show the password, the passphrase
// or the private key, on a real sshd that logs in with that password after refusing that (encrypted) key.
import { execFile } from 'node:child_process';
import { Console } from 'node:console';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { inspect, promisify } from 'node:util';

import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';

import { Pull, Run, Variables } from '../../lib/index.js';
import { Scheduler } from '../../lib/scheduler.js';
import type { SchedulerEvent } from '../../lib/core/events.js';
import { LocalNode } from '../../lib/nodes/local/local-node.js';
import { throwOnFailure } from '../../lib/nodes/operators.js';
import { SshNode } from '../../lib/nodes/ssh/ssh-node.js';
import { SshJob } from '../../lib/ssh-job/ssh-job.js';
import { rejection } from '../helpers/errors.js';
import { fleetNode } from '../helpers/ssh-nodes.js';
import type { Fleet } from '../helpers/sshd.js';
import { refusedPort, startFleet } from '../helpers/sshd.js';

const PASSWORD = 'pw-MARKER-4b1d';
const PASSPHRASE = 'pp-MARKER-9c2e';

/** Everything a Writable receives, as text. */
class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

/**
 * `x` as console.log, console.error, util.inspect (plain, and deep with hidden fields) and JSON.stringify show
 * it, and its copies by spread and by structuredClone (as postMessage makes them), deep with hidden fields.
 */
const outputsOf = (x: unknown): Record<string, string> => {
  const out = new Sink();
  const err = new Sink();
  const logger = new Console({ stdout: out, stderr: err });
  logger.log(x);
  logger.error(x);
  let json: string;
  try {
    json = JSON.stringify(x);
  } catch (e: unknown) {
    json = `JSON.stringify threw: ${(e as Error).message}`;
  }
  let cloned: string;
  try {
    cloned = inspect(structuredClone(x), { depth: Infinity, showHidden: true });
  } catch (e: unknown) {
    cloned = `structuredClone threw: ${(e as Error).message}`;
  }
  const spread = typeof x === 'object' && x !== null ? { ...x } : x;
  return {
    'console.log': out.text,
    'console.error': err.text,
    'util.inspect': inspect(x),
    'util.inspect (deep, hidden)': inspect(x, { depth: Infinity, showHidden: true }),
    'JSON.stringify': json,
    structuredClone: cloned,
    'spread, util.inspect (deep, hidden)': inspect(spread, { depth: Infinity, showHidden: true }),
  };
};

describe('secrets in logs (real sshd)', function () {
  this.timeout(60_000);
  let fleet: Fleet | undefined;
  let dir: string;
  let keyFile: string;
  let keyText: string;
  const theFleet = (): Fleet => {
    if (fleet === undefined) throw new Error('no fleet');
    return fleet;
  };

  before(async () => {
    fleet = await startFleet({ password: PASSWORD });
    dir = await mkdtemp(path.join(os.tmpdir(), 'rxjobs-secrets-'));
    keyFile = path.join(dir, 'encrypted_key');
    // a key the hosts refuse, protected by the passphrase: decrypted, offered, refused; then the password
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-f', keyFile]);
    keyText = await readFile(keyFile, 'utf8');
  });
  after(async () => {
    await fleet?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The key's body, in pieces: none may appear. */
  const keyPieces = (): string[] =>
    keyText
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('-----'))
      .map((l) => l.slice(0, 40));

  const expectNoSecret = (what: string, x: unknown, shows: string): void => {
    for (const [method, text] of Object.entries(outputsOf(x))) {
      const where = `${method} of ${what}`;
      expect(text, where).to.not.contain(PASSWORD);
      expect(text, where).to.not.contain(PASSPHRASE);
      expect(text, where).to.not.contain('PRIVATE KEY');
      for (const piece of keyPieces()) expect(text, where).to.not.contain(piece);
      // copies (JSON.stringify, spread, structuredClone) keep only own enumerable fields: the message of an
      // Error, the label of a job (a private field) are not among them; the secrets are checked above
      const copy = method === 'JSON.stringify' || method === 'structuredClone' || method.startsWith('spread');
      if (!(copy && (x instanceof Error || method !== 'JSON.stringify')))
        expect(text, `${where} shows ${shows}`).to.contain(shows);
    }
  };

  const secretNode = (options: { hostname?: string; port?: number } = {}): SshNode => {
    const gateway = new SshNode({ hostname: 'gw.example.org', password: PASSWORD, passphrase: PASSPHRASE });
    return fleetNode(theFleet(), 0, {
      keys: [keyFile],
      passphrase: { [keyFile]: PASSPHRASE },
      password: PASSWORD,
      agent: false,
      label: 'secret-node',
      // a gateway that is never used (null below for the real connection), to check it is redacted too
      ...options,
      gateway: options.hostname === undefined ? null : gateway,
    });
  };

  it('logs in with the password, after the encrypted key, and shows neither in nodes, jobs or events', async () => {
    const node = secretNode();
    const job = new SshJob(node, [new Run('echo hello'), new Run('exit 4')], {
      label: 'leaky',
      critical: false,
    });
    const events: SchedulerEvent[] = await lastValueFrom(new Scheduler([job]).run().pipe(toArray()));
    await node.close();
    const values = events.flatMap((e) => (e.type === 'value' ? [e.value] : []));
    expect(values.map((v) => (v as { type: string }).type)).to.deep.equal(['line', 'exit', 'exit']);

    expectNoSecret('an SshNode', node, 'secret-node');
    expectNoSecret(
      'an SshNode with a gateway',
      secretNode({ hostname: 'behind.example.org' }),
      'gw.example.org',
    );
    expectNoSecret("an SshNode's options", node.options, 'keys');
    expectNoSecret('a LocalNode', new LocalNode({ label: 'here' }), 'here');
    expectNoSecret('an SshJob', job, 'leaky');
    expectNoSecret('a line event', values[0], 'hello');
    expectNoSecret('an exit event', values[2], 'exit 4');
    expectNoSecret(
      'a scheduler value event',
      events.find((e) => e.type === 'value'),
      'secret-node',
    );
    const failed = events.find((e) => e.type === 'failed');
    expect(failed?.type).to.equal('failed');
    expectNoSecret('a scheduler failed event', failed, 'exit 4');
    expectNoSecret('a CommandFailedError', job.raisedException(), 'exit 4');
    expectNoSecret('the events', events, 'secret-node');
    // what the node's secrets are for still works: the options keep them
    expect([node.options.password, node.options.passphrase]).to.deep.equal([
      PASSWORD,
      { [keyFile]: PASSPHRASE },
    ]);
  });

  it('shows no secret in the errors of a failed command, a transfer, authentication and connection', async () => {
    const node = secretNode();
    const failed = await rejection(lastValueFrom(node.exec('exit 3').pipe(throwOnFailure())));
    expectNoSecret('a CommandFailedError (throwOnFailure)', failed, 'command "exit 3" failed');
    const transfer = await rejection(
      lastValueFrom(new Pull('/nonexistent/file', dir).run(node, { variables: new Variables() }), {
        defaultValue: undefined,
      }),
    );
    expectNoSecret('a TransferError', transfer, '/nonexistent/file');
    await node.close();

    const refused = fleetNode(theFleet(), 0, {
      keys: [keyFile],
      passphrase: PASSPHRASE,
      password: 'wrong-MARKER',
      agent: false,
    });
    const auth = await rejection(lastValueFrom(refused.exec('true')));
    expect((auth as { code?: string }).code).to.equal('ssh-auth');
    expectNoSecret('an SshAuthError', auth, 'authentication refused');
    expect(outputsOf(auth)['util.inspect']).to.not.contain('wrong-MARKER');
    await refused.close();

    const closed = new SshNode({
      hostname: '127.0.0.1',
      port: await refusedPort(),
      password: PASSWORD,
      passphrase: PASSPHRASE,
      connectAttempts: 1,
      sshConfig: false,
    });
    const connect = await rejection(lastValueFrom(closed.exec('true')));
    expect((connect as { code?: string }).code).to.equal('ssh-connect');
    expectNoSecret('an SshConnectError', connect, 'cannot connect');
    await closed.close();
  });
});
