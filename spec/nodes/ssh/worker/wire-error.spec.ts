import { types } from 'node:util';

import { expect } from 'chai';

import { ConfigError } from '../../../../lib/errors/config-error.js';
import { HostKeyError } from '../../../../lib/errors/host-key-error.js';
import { isJobsError } from '../../../../lib/errors/jobs-error.js';
import { SshAuthError } from '../../../../lib/errors/ssh-auth-error.js';
import { SshConnectError } from '../../../../lib/errors/ssh-connect-error.js';
import { SshError } from '../../../../lib/errors/ssh-error.js';
import { SshTimeoutError } from '../../../../lib/errors/ssh-timeout-error.js';
import { TransferError } from '../../../../lib/errors/transfer-error.js';
import { fromWire, toWire } from '../../../../lib/nodes/ssh/worker/wire-error.js';

/** What a worker's error becomes in the main thread: through a structured clone, as postMessage sends it. */
const across = (e: unknown): Error => fromWire(structuredClone(toWire(e)));

/** The own fields of an error, as a plain object. */
const fieldsOf = (e: Error): Record<string, unknown> =>
  Object.fromEntries(
    Object.getOwnPropertyNames(e)
      .filter((k) => k !== 'cause')
      .map((k) => [k, (e as unknown as Record<string, unknown>)[k]]),
  );

describe('wire-error (errors across the worker thread boundary)', () => {
  const errors = [
    new SshConnectError('u@h:2222', 'refused', 3, 'connection refused', { cause: new Error('ECONNREFUSED') }),
    new HostKeyError('h', 'changed', 'SHA256:new', ['SHA256:old'], '/k/known_hosts'),
    new SshAuthError('u@h', ['/k/id_ed25519'], 'no more methods'),
    new SshTimeoutError('u@h', 'keepalive', 5000),
    new TransferError('u@h', '/remote/file', 'permission denied'),
    new SshError('u@h', 'connection closed by close() while running: sleep 9'),
    new ConfigError('node "h"', 'env', 'bad name'),
  ];
  for (const error of errors)
    it(`rebuilds a ${error.name} as the same class, with every field and message`, () => {
      const back = across(error);
      expect(back).to.be.instanceOf(error.constructor);
      expect(back).to.be.instanceOf(Error);
      expect(isJobsError(back, (error as SshError).code)).to.equal(true);
      expect(back.message).to.equal(error.message);
      expect(back.name).to.equal(error.name);
      expect(back.stack).to.equal(error.stack);
      expect(fieldsOf(back)).to.deep.equal(fieldsOf(error));
      expect(String(back)).to.equal(String(error));
      expect(types.isNativeError(back)).to.equal(true);
      expect(String(back.cause)).to.equal(String(error.cause));
    });

  it('keeps the cause, an Error or a value', () => {
    const back = across(new SshError('h', 'lost', { cause: new TypeError('socket hang up') }));
    expect(back.cause).to.be.instanceOf(TypeError);
    expect((back.cause as Error).message).to.equal('socket hang up');
    expect(across(new SshError('h', 'x', { cause: { errno: -111 } })).cause).to.deep.equal({ errno: -111 });
  });

  it('turns what is not an Error, or an unknown class, into an Error with its text', () => {
    const thrown = across('plain text');
    expect(thrown).to.be.instanceOf(Error);
    expect(thrown.message).to.equal('plain text');
    class Odd extends Error {}
    const odd = across(new Odd('odd one'));
    expect(odd.constructor).to.equal(Error);
    expect(odd.message).to.equal('odd one');
  });

  it('leaves out a field that cannot be cloned rather than fail', () => {
    const e = Object.assign(new SshError('h', 'x'), { callback: () => undefined });
    const back = across(e);
    expect(back).to.be.instanceOf(SshError);
    expect(back).not.to.have.property('callback');
  });
});
